"""Shared machinery of the property-based fuzz tests (``hypothesis``).

Budget: in CI every fuzz test runs a fixed number of examples, drawn
deterministically (``derandomize``: the same examples on every run and
machine). ``S2I_FUZZ_EXAMPLES=N`` runs N random examples per test instead
(the long mode), e.g.::

    S2I_FUZZ_EXAMPLES=20000 S2I_FUZZ_REPORT=fuzz.json \\
        nice -n 10 python -m pytest tests -k fuzz -q

``S2I_FUZZ_REPORT=FILE`` writes, at the end of the session, how many
examples of each target ended in each outcome (all of them expected:
anything else fails the test).

Mutations (:func:`mutate`) imitate damaged files: tokens and lines
deleted, duplicated, swapped or moved; a truncation; non-finite,
out-of-range or non-numeric values; junk bytes inserted or a byte
overwritten. :func:`sample_name` draws the names a hostile file may give
its samples (paths, ``..``, NUL, very long, any character).
"""
import atexit
import collections
import json
import os
import random
import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

__all__ = ['fuzz_settings', 'record', 'mutate', 'sample_name', 'TEXT_TOKEN',
           'JSON_TOKEN']

LONG_MODE_EXAMPLES = int(os.environ.get('S2I_FUZZ_EXAMPLES') or 0)

TEXT_TOKEN = re.compile(rb'\S+')
JSON_TOKEN = re.compile(
    rb'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?'
    rb'|[\[\]{},:]|true|false|null')
#: replacements for a number: non-finite, beyond float32, not a number
NON_FINITE = (b'nan', b'NaN', b'inf', b'-inf', b'Infinity', b'-Infinity',
              b'1e39', b'-3.5e38', b'1e400', b'"0.5"', b'true', b'null',
              b'9' * 5000)

#: sample names that are paths, hidden files or no file name at all
HOSTILE_NAMES = ('..', '.', '', '/', '../../escaped', '/abs/escaped', 'a/b',
                 'a\\b', 'C:\\x', 'a\x00b', '\x00', '.bashrc', '~', '$HOME',
                 '%s%n', 'a\nb', ' ', 'x' * 256, 'x' * 4096, 'ü' * 200,
                 '\udcff', 'nul', 'CON')

OUTCOMES = collections.Counter()


def fuzz_settings(ci_examples: int) -> settings:
    """``ci_examples`` derandomized examples, or the long-mode budget."""
    return settings(
        max_examples=LONG_MODE_EXAMPLES or ci_examples,
        derandomize=not LONG_MODE_EXAMPLES, deadline=None, database=None,
        suppress_health_check=list(HealthCheck), print_blob=True)


def record(target: str, outcome: str) -> None:
    """Count one example's outcome (``valid`` data or ``rejected``)."""
    OUTCOMES[f'{target}: {outcome}'] += 1


@atexit.register
def _report() -> None:
    path = os.environ.get('S2I_FUZZ_REPORT')
    if path and OUTCOMES:
        with open(path, 'w') as f:
            json.dump(dict(sorted(OUTCOMES.items())), f, indent=1)


def _spans(blob: bytes, token: re.Pattern) -> list:
    return [m.span() for m in token.finditer(blob)]


def mutate(draw, blob: bytes, token: re.Pattern = TEXT_TOKEN) -> tuple:
    """One random damage to ``blob``.

    The kind and the place are drawn uniformly, by a ``random.Random``
    seeded from ``hypothesis`` (whose own choices favour the first options
    and small integers: most damages would be truncations near the start).

    Args:
        draw: ``hypothesis`` ``data.draw``.
        blob (bytes): The file content.
        token (re.Pattern): What a token is (``TEXT_TOKEN`` for whitespace
            separated formats, ``JSON_TOKEN`` for JSON).

    Returns:
        tuple: ``(damaged bytes, name of the mutation)``.
    """
    rnd = random.Random(draw(st.integers(0, 2**64 - 1), label='damage'))
    kinds = ['truncate', 'junk', 'overwrite_byte', 'delete_line',
             'duplicate_line', 'swap_lines']
    spans = _spans(blob, token)
    if spans:
        kinds += ['delete_token', 'duplicate_token', 'swap_tokens',
                  'move_token', 'non_finite']
    kind = rnd.choice(kinds)
    if kind in ('truncate', 'junk', 'overwrite_byte'):
        pos = rnd.randrange(max(len(blob), 1))
        if kind == 'truncate':
            return blob[:pos], kind
        junk = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 8)))
        if kind == 'junk':
            return blob[:pos] + junk + blob[pos:], kind
        return blob[:pos] + junk[:1] + blob[pos + 1:], kind
    if kind.endswith('line') or kind.endswith('lines'):
        lines = blob.split(b'\n')
        i, j = rnd.randrange(len(lines)), rnd.randrange(len(lines))
        if kind == 'delete_line':
            del lines[i]
        elif kind == 'duplicate_line':
            lines.insert(i, lines[i])
        else:
            lines[i], lines[j] = lines[j], lines[i]
        return b'\n'.join(lines), kind
    index = rnd.randrange(len(spans))
    start, end = spans[index]
    if kind == 'delete_token':
        return blob[:start] + blob[end:], kind
    if kind == 'duplicate_token':
        return blob[:end] + b' ' + blob[start:end] + blob[end:], kind
    if kind == 'non_finite':
        numbers = [s for s in spans if re.fullmatch(
            rb'-?[\d.]+(?:[eE][+-]?\d+)?', blob[s[0]:s[1]])] or spans
        start, end = rnd.choice(numbers)
        return blob[:start] + rnd.choice(NON_FINITE) + blob[end:], kind
    other = rnd.choice(spans)
    if kind == 'move_token':  # nearby, e.g. onto the next line: the total
        # count of values stays right, the count per line does not
        near = min(max(index + rnd.randint(-20, 20), 0), len(spans) - 1)
        target, moved = spans[near][0], blob[start:end] + b' '
        if target <= start:
            return (blob[:target] + moved + blob[target:start]
                    + blob[end:]), kind
        return (blob[:start] + blob[end:target] + moved
                + blob[target:]), kind
    (a, b), (c, d) = sorted([(start, end), other])
    if b > c:  # the same token
        return blob, kind
    return blob[:a] + blob[c:d] + blob[b:c] + blob[a:b] + blob[d:], kind


def sample_name(draw) -> str:
    """A sample name (``frame_dir``) a hostile file may hold: a listed one,
    path segments joined by ``/``, or any text (long ones too)."""
    return draw(st.one_of(
        st.sampled_from(HOSTILE_NAMES),
        st.lists(st.sampled_from(['..', '.', '', 'a', '\x00', 'ü']),
                 max_size=8).map('/'.join),
        st.text(max_size=40),
        st.text(min_size=200, max_size=3000)), label='sample name')
