# mmengine imports only a registry's own ``locations``; import mmpretrain's
# models so that names resolved through the parent registry are registered.
import mmpretrain.models  # noqa: F401
