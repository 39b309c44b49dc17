import s2i_mm  # noqa: F401  (applies the compat fixes for in-process tests)
