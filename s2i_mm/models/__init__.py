# mmengine imports only a registry's own ``locations``; import mmpretrain's
# models so that names resolved through the parent registry are registered.
import mmpretrain.models  # noqa: F401

from .backbones import *  # noqa: F401,F403
from .classifiers import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .selfsup import *  # noqa: F401,F403
from .utils import *  # noqa: F401,F403
