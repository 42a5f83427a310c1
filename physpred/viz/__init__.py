"""Figures and animations of frames, predictions and surprise, for notebooks and loggers.

Functions take plain tensors or arrays (uint8 (T, C, H, W) frames, 1-D surprise arrays) and
return matplotlib figures or files; they never train a model or read a dataset themselves
(the helpers in ``predictions`` only run a given model forward to get frames to show).
"""

from physpred.data.transforms import to_uint8_frames
from physpred.viz.files import save_figure
from physpred.viz.frames import figure_to_array, to_hwc
from physpred.viz.plots import (
    candidate_energies,
    frame_grid,
    latent_traversal,
    metric_bars,
    prediction_strip,
    roc_curves,
)
from physpred.viz.predictions import (
    latent_rollouts,
    patches_to_frames,
    predict_frames,
    traversal_latents,
)
from physpred.viz.probes import divergence_frame, pair_strip, quadruplet_strip
from physpred.viz.rollout import save_rollout, side_by_side
from physpred.viz.surprise import (
    aligned_surprise_curve,
    surprise_curve,
    thumbnail_indices,
    violation_difference_curve,
)

__all__ = [
    "aligned_surprise_curve",
    "candidate_energies",
    "divergence_frame",
    "figure_to_array",
    "frame_grid",
    "latent_rollouts",
    "latent_traversal",
    "metric_bars",
    "patches_to_frames",
    "predict_frames",
    "prediction_strip",
    "pair_strip",
    "quadruplet_strip",
    "roc_curves",
    "save_figure",
    "save_rollout",
    "side_by_side",
    "surprise_curve",
    "thumbnail_indices",
    "violation_difference_curve",
    "to_hwc",
    "traversal_latents",
    "to_uint8_frames",
]
