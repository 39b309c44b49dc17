"""Packages that import their public names on first use
(s2i_mm/utils/lazy_exports.py): s2i_mm.datasets and s2i_mm.apis."""
import pytest

from s2i_testing import run_python


@pytest.mark.e2e
def test_a_name_imports_its_module_on_first_use_only():
    out = run_python(
        'import sys\n'
        'import s2i_mm.apis, s2i_mm.datasets\n'
        'print("inference" in str(sorted(sys.modules)), '
        '"torch" in sys.modules)\n'
        'from s2i_mm.datasets import resolve_split\n'
        'print(resolve_split.__module__)\n'
        'from s2i_mm.apis import init_recognizer\n'
        'print(init_recognizer.__module__)\n').stdout.split()
    assert out == ['False', 'False', 's2i_mm.datasets.splits',
                   's2i_mm.apis.inference']


def test_an_unknown_name_is_an_attribute_error():
    import s2i_mm.apis
    with pytest.raises(AttributeError, match="s2i_mm.apis' has no attribute"):
        s2i_mm.apis.no_such_name  # noqa: B018
