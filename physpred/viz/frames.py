"""Conversions between physpred's frame layout and what image libraries expect.

physpred frames are uint8 laid out (..., C, H, W); matplotlib, PIL and video encoders want
(..., H, W, C) numpy arrays. These helpers accept torch tensors or numpy arrays alike.
"""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from torch import Tensor

Frames = Tensor | np.ndarray


def to_hwc(frames: Frames, ndim: int = 4) -> np.ndarray:
    """Turn uint8 (..., C, H, W) frames into a contiguous numpy (..., H, W, 3) array.

    Grayscale frames (C == 1) are repeated to three channels so every consumer sees RGB.

    Args:
        frames: uint8 tensor or array with ``ndim`` dimensions, channels third from last.
        ndim: the number of dimensions expected, e.g. 4 for (T, C, H, W), 3 for one (C, H, W).

    Returns:
        uint8 numpy array (..., H, W, 3).

    Raises:
        ValueError: on a wrong dtype, number of dimensions or channel count.
    """
    array = frames.detach().cpu().numpy() if isinstance(frames, Tensor) else np.asarray(frames)
    if array.dtype != np.uint8:
        raise ValueError(
            f"expected uint8 frames, got {array.dtype}; convert float frames in [0, 1] with "
            "(x * 255).round().clamp(0, 255).to(torch.uint8)"
        )
    if array.ndim != ndim or array.shape[-3] not in (1, 3):
        raise ValueError(
            f"expected frames of {ndim} dimensions laid out (..., C, H, W) with C in (1, 3), "
            f"got shape {tuple(array.shape)}"
        )
    if array.shape[-3] == 1:
        array = np.repeat(array, 3, axis=-3)
    return np.ascontiguousarray(np.moveaxis(array, -3, -1))


def figure_to_array(figure: Figure) -> np.ndarray:
    """Render a figure with the Agg canvas.

    Args:
        figure: a matplotlib figure (from any backend).

    Returns:
        uint8 numpy array (H, W, 3).
    """
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()
