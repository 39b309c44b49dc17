"""A skeleton layout as data: joints, their parents and their body parts.

Everything the S2I encoding needs about a layout is *derived* from three
per-joint tables (name, parent, body part), so a new layout is described
once and never typed twice:

* the centre joint (the one joint without a parent),
* the bone pairs ``(child, parent)``,
* the S2I column order (see :func:`derive_s2i_order`),
* the per-joint parent index used by the bone modality.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

__all__ = [
    'BODY_PARTS', 'SkeletonFormat', 'SkeletonFormatError', 'derive_s2i_order'
]

#: The five body parts in S2I column order.
BODY_PARTS = ('torso', 'left_arm', 'right_arm', 'left_leg', 'right_leg')
_LEG_PARTS = ('left_leg', 'right_leg')


class SkeletonFormatError(ValueError):
    """A skeleton format definition is inconsistent."""


def _children_table(parents: Sequence[Optional[int]]) -> List[List[int]]:
    """Children of each joint, in joint index order."""
    children: List[List[int]] = [[] for _ in parents]
    for joint, parent in enumerate(parents):
        if parent is not None:
            children[parent].append(joint)
    return children


def _preorder(root: int, children: Sequence[Sequence[int]],
              keep: set) -> List[int]:
    """Depth-first pre-order from ``root`` through the joints in ``keep``.

    Children are visited in joint index order, so a chain stays contiguous
    (e.g. all joints of one finger before the next finger).
    """
    order, stack = [], [root]
    while stack:
        joint = stack.pop()
        order.append(joint)
        stack.extend(c for c in reversed(children[joint]) if c in keep)
    return order


def _subtree(root: int, children: Sequence[Sequence[int]]) -> set:
    return set(_preorder(root, children, set(range(len(children)))))


def derive_s2i_order(parents: Sequence[Optional[int]],
                     parts: Sequence[str]) -> List[int]:
    """Derive the S2I column order of a skeleton from its tree and parts.

    Rules (the paper fixes the part order and "proximal to distal"; the
    rest are our documented choices):

    1. Parts come in the order of :data:`BODY_PARTS`: torso, left arm,
       right arm, left leg, right leg.
    2. Inside a limb, joints follow the kinematic chain proximal to distal:
       a depth-first pre-order from the part's root joint(s) (the joints
       whose parent lies outside the part), siblings in joint index order.
       Depth-first keeps every chain contiguous, so neighbouring columns are
       neighbouring joints (a finger is not interleaved with the next one).
    3. The torso runs top-down, from the head to the pelvis. Seen from the
       centre joint, a torso branch whose subtree holds a leg joint lies
       *below* the centre, any other branch lies *above* it. Branches above
       are listed from their tip down to the centre (reverse pre-order),
       then the centre joint, then the branches below proximal to distal.
       This gives head -> pelvis whether the centre is the upper spine
       (NTU), the pelvis (mocap) or the head (LCR-Net, COCO).

    Args:
        parents (Sequence[int | None]): Parent index of each joint, ``None``
            for the centre joint. Must form a valid tree.
        parts (Sequence[str]): Body part of each joint.

    Returns:
        list[int]: A permutation of ``range(len(parents))``.
    """
    children = _children_table(parents)
    order: List[int] = []
    for part in BODY_PARTS:
        members = {j for j, p in enumerate(parts) if p == part}
        roots = [
            j for j in sorted(members)
            if parents[j] is None or parents[j] not in members
        ]
        for root in roots:
            if part == 'torso' and parents[root] is None:
                order.extend(_torso_top_down(root, children, members, parts))
            else:
                order.extend(_preorder(root, children, members))
    return order


def _torso_top_down(center: int, children: Sequence[Sequence[int]],
                    members: set, parts: Sequence[str]) -> List[int]:
    above, below = [], []
    for child in children[center]:
        if child not in members:
            continue
        branch = _preorder(child, children, members)
        has_leg = any(parts[j] in _LEG_PARTS
                      for j in _subtree(child, children))
        if has_leg:
            below.extend(branch)
        else:
            above.extend(reversed(branch))
    return above + [center] + below


ParentRef = Union[int, str, None]


class SkeletonFormat:
    """A skeleton layout: joint names, parents and body parts.

    Instances are immutable in use: the derived tables are computed and
    validated once, at construction.

    Args:
        name (str): Registry name, e.g. ``'ntu25'``.
        joint_names (Sequence[str]): Unique name of each joint, in the order
            the joints are stored in ``keypoint[..., V, :]``.
        parents (Sequence[int | str | None]): Parent of each joint, one step
            toward the centre, as an index or a joint name; ``None`` for the
            single centre joint.
        parts (Sequence[str]): Body part of each joint, one of
            :data:`BODY_PARTS`.
        channels (Sequence[str]): Meaning of the last keypoint axis, e.g.
            ``('x', 'y', 'z')`` or ``('x', 'y', 'score')`` for 2D.
            Defaults to ``('x', 'y', 'z')``.
        s2i_order (Sequence[int | str], optional): An explicit S2I column
            order (indices or joint names) overriding the derived one. Must
            be a permutation of all joints. Defaults to None.
        source (str): Where the layout comes from (dataset documentation,
            SDK, paper). Defaults to ''.

    Raises:
        SkeletonFormatError: If the tables are inconsistent: lengths differ,
            names repeat, a part is unknown, the parents do not form one
            tree rooted at a single centre joint, or ``s2i_order`` is not a
            permutation.
    """

    def __init__(self,
                 name: str,
                 joint_names: Sequence[str],
                 parents: Sequence[ParentRef],
                 parts: Sequence[str],
                 channels: Sequence[str] = ('x', 'y', 'z'),
                 s2i_order: Optional[Sequence[Union[int, str]]] = None,
                 source: str = '') -> None:
        if not isinstance(name, str) or not name:
            raise SkeletonFormatError(
                f'A skeleton format needs a non-empty string name, got '
                f'{name!r}.')
        self.name = name
        self.source = source
        self.joint_names: List[str] = [str(n) for n in joint_names]
        self.channels: Tuple[str, ...] = tuple(str(c) for c in channels)
        self._check_tables(parents, parts)
        self.parts: List[str] = list(parts)
        self.parents: List[Optional[int]] = [
            self._joint_index(p, f'parent of joint {i}')
            if p is not None else None for i, p in enumerate(parents)
        ]
        self.center: int = self._check_tree()
        self.bones: List[Tuple[int, int]] = [
            (j, p) for j, p in enumerate(self.parents) if p is not None
        ]
        derived = derive_s2i_order(self.parents, self.parts)
        self.explicit_order = s2i_order is not None
        if s2i_order is None:
            self.s2i_order: List[int] = derived
        else:
            self.s2i_order = [
                self._joint_index(j, 's2i_order entry') for j in s2i_order
            ]
            if sorted(self.s2i_order) != list(range(self.num_joints)):
                raise SkeletonFormatError(
                    f'Skeleton format {name!r}: s2i_order must be a '
                    f'permutation of the {self.num_joints} joints, got '
                    f'{list(s2i_order)}.')
        # parent index per joint for vectorised bones; the centre points to
        # itself so its bone is zero (as mmaction2's JointToBone does)
        self.parent_index = np.array(
            [j if p is None else p for j, p in enumerate(self.parents)],
            dtype=np.intp)
        self.parent_index.setflags(write=False)

    # ------------------------------------------------------------------
    # validation helpers
    # ------------------------------------------------------------------
    def _error(self, message: str) -> SkeletonFormatError:
        return SkeletonFormatError(
            f'Skeleton format {self.name!r}: {message}')

    def _check_tables(self, parents: Sequence[ParentRef],
                      parts: Sequence[str]) -> None:
        num = len(self.joint_names)
        if num == 0:
            raise self._error('it has no joints.')
        if len(parents) != num or len(parts) != num:
            raise self._error(
                f'{num} joint names but {len(parents)} parents and '
                f'{len(parts)} parts; give one of each per joint.')
        seen: Dict[str, int] = {}
        for i, joint in enumerate(self.joint_names):
            if joint in seen:
                raise self._error(
                    f'joint name {joint!r} is used twice (joints '
                    f'{seen[joint]} and {i}).')
            seen[joint] = i
        self._index_of = seen
        for i, part in enumerate(parts):
            if part not in BODY_PARTS:
                raise self._error(
                    f'joint {i} ({self.joint_names[i]}) has part {part!r}; '
                    f'every joint needs one of {BODY_PARTS}.')

    def _joint_index(self, ref: Union[int, str], what: str) -> int:
        if isinstance(ref, str):
            if ref not in self._index_of:
                raise self._error(f'{what} names unknown joint {ref!r}.')
            return self._index_of[ref]
        if isinstance(ref, (bool, np.bool_)) or not isinstance(
                ref, (int, np.integer)):
            raise self._error(
                f'{what} must be a joint index or name, got {ref!r}.')
        if not 0 <= ref < len(self.joint_names):
            raise self._error(
                f'{what} is {ref}, outside 0..{len(self.joint_names) - 1}.')
        return int(ref)

    def _check_tree(self) -> int:
        roots = [j for j, p in enumerate(self.parents) if p is None]
        if len(roots) != 1:
            names = [self.joint_names[j] for j in roots]
            raise self._error(
                f'exactly one joint (the centre) must have no parent, '
                f'found {len(roots)}: {names}.')
        for joint in range(self.num_joints):
            visited, current = set(), joint
            while self.parents[current] is not None:
                if current in visited:
                    raise self._error(
                        f'the parents of joint {joint} '
                        f'({self.joint_names[joint]}) form a cycle, so the '
                        'skeleton is not a tree rooted at the centre.')
                visited.add(current)
                current = self.parents[current]
        return roots[0]

    # ------------------------------------------------------------------
    # derived views
    # ------------------------------------------------------------------
    @property
    def num_joints(self) -> int:
        """int: Number of joints ``V``."""
        return len(self.joint_names)

    def index(self, joint_name: str) -> int:
        """Index of a joint given its name."""
        return self._joint_index(joint_name, 'joint')

    @property
    def part_spans(self) -> List[Tuple[str, int, int]]:
        """Column spans ``(part, start, stop)`` of the runs of one part in
        S2I order (one run per part for a derived order)."""
        spans: List[Tuple[str, int, int]] = []
        for column, joint in enumerate(self.s2i_order):
            part = self.parts[joint]
            if spans and spans[-1][0] == part:
                spans[-1] = (part, spans[-1][1], column + 1)
            else:
                spans.append((part, column, column + 1))
        return spans

    def to_dict(self) -> dict:
        """The defining tables (parents as indices), e.g. to save a spec."""
        cfg = dict(
            name=self.name,
            joint_names=list(self.joint_names),
            parents=list(self.parents),
            parts=list(self.parts),
            channels=list(self.channels),
            source=self.source)
        if self.explicit_order:
            cfg['s2i_order'] = list(self.s2i_order)
        return cfg

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SkeletonFormat):
            return NotImplemented
        mine, theirs = self.to_dict(), other.to_dict()
        mine.pop('source')
        theirs.pop('source')
        return mine == theirs and self.s2i_order == other.s2i_order

    def __hash__(self) -> int:
        return hash((self.name, tuple(self.joint_names)))

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(name={self.name!r}, '
                f'num_joints={self.num_joints}, channels={self.channels})')
