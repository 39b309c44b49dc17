"""Built-in skeleton layouts: ``ntu25``, ``kinect20``, ``msr20``,
``utd20``, ``lcrnet13``, ``coco17``.

Each layout is given once as a table of ``(joint name, parent, part)``
rows in storage order; the S2I order, bones and centre are derived by
:class:`~s2i_mm.formats.SkeletonFormat`. Sources are named per format.
"""
from typing import List, Optional, Sequence, Tuple

from .format_registry import register_format
from .skeleton_format import SkeletonFormat

__all__ = ['NTU25', 'KINECT20', 'MSR20', 'UTD20', 'LCRNET13', 'COCO17']

Row = Tuple[str, Optional[str], str]
T, LA, RA, LL, RL = 'torso', 'left_arm', 'right_arm', 'left_leg', 'right_leg'


def _from_rows(name: str, rows: Sequence[Row], source: str,
               **kwargs) -> SkeletonFormat:
    names: List[str] = [row[0] for row in rows]
    return register_format(
        SkeletonFormat(
            name=name,
            joint_names=names,
            parents=[row[1] for row in rows],
            parts=[row[2] for row in rows],
            source=source,
            **kwargs))


# NTU RGB+D 60/120 and PKU-MMD (Kinect v2, 25 joints). Storage order and
# parents follow the Kinect v2 SDK JointType enumeration as used by the NTU
# RGB+D release (Shahroudy et al., CVPR 2016) and mmaction2's Graph layout
# 'nturgb+d' (mmaction/models/utils/graph.py). Hand tip and thumb are both
# children of the hand, as in that graph; mmaction2's JointToBone instead
# hangs the hand tip on the thumb, which is not anatomical.
#
# Hand tip / thumb column order: siblings follow joint index order, giving
# ... wrist, hand, hand_tip, thumb. The hand tip continues the
# wrist -> hand axis (the fingers extend the palm), so wrist, hand, hand tip
# form one straight chain of neighbouring columns; the thumb branches off
# the side of the hand and comes last. (Some re-implementations put the
# thumb first; the paper does not publish its list.)
NTU25 = _from_rows(
    'ntu25', [
        ('spine_base', 'spine_mid', T),
        ('spine_mid', 'spine_shoulder', T),
        ('neck', 'spine_shoulder', T),
        ('head', 'neck', T),
        ('left_shoulder', 'spine_shoulder', LA),
        ('left_elbow', 'left_shoulder', LA),
        ('left_wrist', 'left_elbow', LA),
        ('left_hand', 'left_wrist', LA),
        ('right_shoulder', 'spine_shoulder', RA),
        ('right_elbow', 'right_shoulder', RA),
        ('right_wrist', 'right_elbow', RA),
        ('right_hand', 'right_wrist', RA),
        ('left_hip', 'spine_base', LL),
        ('left_knee', 'left_hip', LL),
        ('left_ankle', 'left_knee', LL),
        ('left_foot', 'left_ankle', LL),
        ('right_hip', 'spine_base', RL),
        ('right_knee', 'right_hip', RL),
        ('right_ankle', 'right_knee', RL),
        ('right_foot', 'right_ankle', RL),
        ('spine_shoulder', None, T),
        ('left_hand_tip', 'left_hand', LA),
        ('left_thumb', 'left_hand', LA),
        ('right_hand_tip', 'right_hand', RA),
        ('right_thumb', 'right_hand', RA),
    ],
    source='Kinect v2 JointType order (NTU RGB+D, PKU-MMD); tree as '
    "mmaction2 Graph layout 'nturgb+d'")

# NW-UCLA (Kinect v1, 20 joints) in NUI_SKELETON_POSITION_INDEX order, with
# the bones of the CTR-GCN NW-UCLA graph (centre: shoulder centre).
KINECT20 = _from_rows(
    'kinect20', [
        ('hip_center', 'spine', T),
        ('spine', 'shoulder_center', T),
        ('shoulder_center', None, T),
        ('head', 'shoulder_center', T),
        ('left_shoulder', 'shoulder_center', LA),
        ('left_elbow', 'left_shoulder', LA),
        ('left_wrist', 'left_elbow', LA),
        ('left_hand', 'left_wrist', LA),
        ('right_shoulder', 'shoulder_center', RA),
        ('right_elbow', 'right_shoulder', RA),
        ('right_wrist', 'right_elbow', RA),
        ('right_hand', 'right_wrist', RA),
        ('left_hip', 'hip_center', LL),
        ('left_knee', 'left_hip', LL),
        ('left_ankle', 'left_knee', LL),
        ('left_foot', 'left_ankle', LL),
        ('right_hip', 'hip_center', RL),
        ('right_knee', 'right_hip', RL),
        ('right_ankle', 'right_knee', RL),
        ('right_foot', 'right_ankle', RL),
    ],
    source='Kinect v1 NUI_SKELETON_POSITION_INDEX order (NW-UCLA); bones '
    'of the CTR-GCN NW-UCLA graph')

# MSR-Action3D (Kinect v1, 20 joints) in the storage order of its
# real_world_coordinates files: the order of the dataset's Lie-group body
# model (body_model.mat, drawskt.m), NOT the NUI order of kinect20. The
# same 20 joints as kinect20 under the same names and the same tree (the
# bones of body_model.mat; centre: shoulder centre), so the derived S2I
# columns hold the same joints in the same order as kinect20's. The
# dataset files say 1..20 without sides; even = right was checked on the
# data (the right-arm actions move joints 9, 11, 13 most).
MSR20 = _from_rows(
    'msr20', [
        ('left_shoulder', 'shoulder_center', LA),
        ('right_shoulder', 'shoulder_center', RA),
        ('shoulder_center', None, T),
        ('spine', 'shoulder_center', T),
        ('left_hip', 'hip_center', LL),
        ('right_hip', 'hip_center', RL),
        ('hip_center', 'spine', T),
        ('left_elbow', 'left_shoulder', LA),
        ('right_elbow', 'right_shoulder', RA),
        ('left_wrist', 'left_elbow', LA),
        ('right_wrist', 'right_elbow', RA),
        ('left_hand', 'left_wrist', LA),
        ('right_hand', 'right_wrist', RA),
        ('left_knee', 'left_hip', LL),
        ('right_knee', 'right_hip', RL),
        ('left_ankle', 'left_knee', LL),
        ('right_ankle', 'right_knee', RL),
        ('left_foot', 'left_ankle', LL),
        ('right_foot', 'right_ankle', RL),
        ('head', 'shoulder_center', T),
    ],
    source='MSR-Action3D real_world_coordinates order (body_model.mat / '
    'drawskt.m); joints and tree as kinect20')

# UTD-MHAD (Kinect v1, 20 joints) in the order of the dataset's
# Skeleton_joint_order.txt (rows of d_skel): the torso head-first, then
# the limbs. Same joints, names and tree as kinect20 (centre: shoulder
# centre), so the derived S2I columns match kinect20's.
UTD20 = _from_rows(
    'utd20', [
        ('head', 'shoulder_center', T),
        ('shoulder_center', None, T),
        ('spine', 'shoulder_center', T),
        ('hip_center', 'spine', T),
        ('left_shoulder', 'shoulder_center', LA),
        ('left_elbow', 'left_shoulder', LA),
        ('left_wrist', 'left_elbow', LA),
        ('left_hand', 'left_wrist', LA),
        ('right_shoulder', 'shoulder_center', RA),
        ('right_elbow', 'right_shoulder', RA),
        ('right_wrist', 'right_elbow', RA),
        ('right_hand', 'right_wrist', RA),
        ('left_hip', 'hip_center', LL),
        ('left_knee', 'left_hip', LL),
        ('left_ankle', 'left_knee', LL),
        ('left_foot', 'left_ankle', LL),
        ('right_hip', 'hip_center', RL),
        ('right_knee', 'right_hip', RL),
        ('right_ankle', 'right_knee', RL),
        ('right_foot', 'right_ankle', RL),
    ],
    source='UTD-MHAD Skeleton_joint_order.txt (rows of d_skel); joints and '
    'tree as kinect20')

# Toyota Smarthome 3D poses from LCR-Net++ (13 joints), order inferred from
# the LCR-Net demo code (not documented by the dataset; see
# docs/converters.md, "Toyota Smarthome", for the sources). LCR-Net draws
# no trunk bone and has no neck or pelvis, so we root the tree at the head
# (the only torso joint) and hang each hip on the shoulder of its side.
# Shoulders belong to the arms and hips to the legs, as in ntu25 /
# kinect20, so the columns mean the same across formats.
LCRNET13 = _from_rows(
    'lcrnet13', [
        ('right_ankle', 'right_knee', RL),
        ('left_ankle', 'left_knee', LL),
        ('right_knee', 'right_hip', RL),
        ('left_knee', 'left_hip', LL),
        ('right_hip', 'right_shoulder', RL),
        ('left_hip', 'left_shoulder', LL),
        ('right_wrist', 'right_elbow', RA),
        ('left_wrist', 'left_elbow', LA),
        ('right_elbow', 'right_shoulder', RA),
        ('left_elbow', 'left_shoulder', LA),
        ('right_shoulder', 'head', RA),
        ('left_shoulder', 'head', LA),
        ('head', None, T),
    ],
    source='LCR-Net++ 13-joint order (Toyota Smarthome), inferred from the '
    'LCR-Net demo code')

# COCO keypoints (2D, x, y, score) as produced by mmpose; tree as mmaction2's
# Graph layout 'coco' (centre: nose). The face joints form the torso part.
COCO17 = _from_rows(
    'coco17', [
        ('nose', None, T),
        ('left_eye', 'nose', T),
        ('right_eye', 'nose', T),
        ('left_ear', 'left_eye', T),
        ('right_ear', 'right_eye', T),
        ('left_shoulder', 'nose', LA),
        ('right_shoulder', 'nose', RA),
        ('left_elbow', 'left_shoulder', LA),
        ('right_elbow', 'right_shoulder', RA),
        ('left_wrist', 'left_elbow', LA),
        ('right_wrist', 'right_elbow', RA),
        ('left_hip', 'left_shoulder', LL),
        ('right_hip', 'right_shoulder', RL),
        ('left_knee', 'left_hip', LL),
        ('right_knee', 'right_hip', RL),
        ('left_ankle', 'left_knee', LL),
        ('right_ankle', 'right_knee', RL),
    ],
    source="COCO keypoints order (mmpose); tree as mmaction2 Graph layout "
    "'coco'",
    channels=('x', 'y', 'score'))
