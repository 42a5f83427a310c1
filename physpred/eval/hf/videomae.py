"""VideoMAE (``transformers.VideoMAEForPreTraining``) scored with V-JEPA's window protocol.

For a window of L frames (the model's ``num_frames``, 16) and a context of C frames: every
token after the first C frames is masked, the encoder reads the visible context tokens, the
decoder predicts the pixels of the masked ones, and surprise = mean L1 between that
prediction and the window's real pixels, per-patch normalised as the model was trained
(``norm_pix_loss``). The published harness replaced the prediction by zeros before the L1,
which scores only how textured the future is; here the prediction is used.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from physpred.eval.hf.loading import Pixels
from physpred.eval.hf.protocol import (
    context_tokens,
    device_autocast,
    normalise,
    pixel_patches,
    resize_frames,
    unnormalise,
    window_l1,
)


class VideoMAEScorer(nn.Module):
    """Surprise of whole windows under a ``transformers`` VideoMAE pre-training model.

    Args:
        model: a ``VideoMAEForPreTraining`` (encoder and pixel decoder).
        pixels: the processor's normalisation.
    """

    def __init__(self, *, model: nn.Module, pixels: Pixels) -> None:
        super().__init__()
        config = model.config
        self.model = model
        self.pixels = pixels
        self.window_frames: int = config.num_frames  # fixed position embeddings: no other length
        self.tubelet_size: int = config.tubelet_size
        self.input_size: int = config.image_size
        self.patch_size: int = config.patch_size
        self.grid: int = config.image_size // config.patch_size
        self.normalise_targets: bool = config.norm_pix_loss

    def preprocess(self, frames: Tensor) -> Tensor:
        """(T, 3, H, W) uint8 -> (T, 3, S, S) float: the whole frame resized, normalised."""
        return normalise(resize_frames(frames, self.input_size), self.pixels.mean, self.pixels.std)

    def window_energies(self, clips: Tensor, contexts: Sequence[int]) -> Tensor:
        """(B, L, 3, S, S) preprocessed windows -> (len(contexts), B) mean L1 per context."""
        targets = pixel_patches(
            unnormalise(clips, self.pixels.mean, self.pixels.std),
            self.tubelet_size,
            self.patch_size,
            self.normalise_targets,
        )  # (B, N, P)
        positions = torch.arange(targets.shape[1], device=clips.device)
        out = []
        with device_autocast(clips):
            for context in contexts:
                first = context_tokens(context, self.tubelet_size, self.grid)
                masked = (positions >= first).expand(len(clips), -1)  # (B, N): True = predict
                logits = self.model(pixel_values=clips, bool_masked_pos=masked).logits
                out.append(window_l1(logits, targets[:, first:]))
        return torch.stack(out)
