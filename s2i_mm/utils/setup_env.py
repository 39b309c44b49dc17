import datetime
import importlib
import warnings

from mmengine import DefaultScope

# Our packages, then the upstream packages whose registries ours hang under
# (mmengine only imports a registry's own ``locations``, not its parents').
_MODULES = (
    'mmpretrain.models', 'mmpretrain.datasets', 'mmpretrain.engine',
    'mmpretrain.evaluation', 'mmpretrain.structures',
    'mmpretrain.visualization',
    'mmaction.datasets', 'mmaction.engine',
    's2i_mm.engine', 's2i_mm.evaluation', 's2i_mm.formats',
    's2i_mm.datasets.skeleton_dataset', 's2i_mm.datasets.mixed_format',
    's2i_mm.datasets.transforms', 's2i_mm.models', 's2i_mm.visualization',
)


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register all s2i_mm modules (and the upstream ones they build on).

    Args:
        init_default_scope (bool): Whether to make ``s2i_mm`` the default
            scope, so that unqualified names in configs resolve through the
            s2i_mm registries. Defaults to True.
    """
    from s2i_mm.compat import apply_registry_fixes
    apply_registry_fixes()  # before mmaction2's modules are imported
    for name in _MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as err:
            # an s2i_mm sub-package that does not exist yet is fine; a
            # missing dependency inside one is not
            if err.name != name:
                raise
    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None:
        DefaultScope.get_instance('s2i_mm', scope_name='s2i_mm')
    elif current.scope_name != 's2i_mm':
        warnings.warn(
            f'The current default scope "{current.scope_name}" is not '
            '"s2i_mm"; register_all_modules switches it to "s2i_mm".')
        DefaultScope.get_instance(
            f's2i_mm-{datetime.datetime.now()}', scope_name='s2i_mm')
