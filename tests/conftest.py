from s2i_mm import compat

compat.apply()  # the upstream fixes the tools apply, for in-process tests
