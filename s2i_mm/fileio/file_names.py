"""File names made from sample names (``frame_dir``): safe in any folder."""
import hashlib
import re

__all__ = ['sample_file_name']

_UNSAFE = re.compile(r'[^A-Za-z0-9._+-]')
_DIGEST_END = re.compile(r'-[0-9a-f]{8}$')  # what this function appends
_MAX_STEM = 120  # characters kept of a long name (file names: 255 bytes)


def sample_file_name(name: str, suffix: str) -> str:
    """A file name for the sample ``name`` that stays in its folder.

    A name of letters, digits, ``.``, ``_``, ``+``, ``-`` is kept as it
    is (``S001C001P001R001A001`` -> ``S001C001P001R001A001_s2i.png``). Any
    other name (a ``/``, ``..``, a leading ``.``, NUL, spaces, non-ASCII,
    empty or very long), and a safe one that ends like this function's
    output (``-`` and 8 hex digits), has each other character replaced by
    ``_``, a leading ``.`` too, is cut to 120 characters and gets ``-`` and
    8 hex digits of its SHA-1: still recognisable, never a path, and
    distinct names give distinct files unless two of them agree in the
    first 120 characters and in those digits (``a/b`` ->
    ``a_b-3ec69c85_s2i.png``, ``a_b`` -> ``a_b_s2i.png``).

    Args:
        name (str): The sample's name.
        suffix (str): Appended to the stem, e.g. ``'_s2i.png'`` (the
            caller's own text: made of safe characters).

    Returns:
        str: A file name: no separator, not ``.`` or ``..``, not hidden.
    """
    stem = _UNSAFE.sub('_', name)
    if (stem == name and name and not name.startswith('.')
            and len(name) <= _MAX_STEM and not _DIGEST_END.search(name)):
        return name + suffix
    stem = re.sub(r'^\.', '_', stem)[:_MAX_STEM]
    digest = hashlib.sha1(name.encode('utf-8', 'surrogatepass')).hexdigest()
    return f'{stem}-{digest[:8]}{suffix}'
