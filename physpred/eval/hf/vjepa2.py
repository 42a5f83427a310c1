"""V-JEPA 2 (``transformers.VJEPA2Model``) scored as V-JEPA's intuitive-physics paper does.

For a window of L frames and a context of C frames: the encoder reads the whole window, its
tokens are layer-normalised (no affine) and the last ``(L - C) / tubelet`` time steps of them
are the targets; the encoder reads the first C frames alone, and the predictor, given those
context tokens and the positions of every later token, predicts the targets. Surprise = mean
L1 between prediction and target over tokens and features.

``VJEPA2Model.forward`` with a context mask would encode the whole window and *then* drop the
future tokens, so the context would already have attended to the future; encoding the first
C frames alone is what the published code's masked encoder computes (tokens run time-major and
RoPE positions follow the token index, so they are the same tokens at the same positions).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from physpred.eval.hf.loading import Pixels
from physpred.eval.hf.protocol import (
    context_tokens,
    device_autocast,
    layer_norm_targets,
    normalise,
    resize_frames,
    window_l1,
)


class VJEPA2Scorer(nn.Module):
    """Surprise of whole windows under a ``transformers`` V-JEPA 2 model.

    Args:
        model: a ``VJEPA2Model`` (encoder = the released target encoder, and its predictor).
        pixels: the processor's normalisation.
        window_frames: L, frames per window (the protocol's 16).
        mask_token: which of the predictor's learned mask tokens stands for the tokens to
            predict; the published evaluation uses the first (index 0).
    """

    def __init__(
        self, *, model: nn.Module, pixels: Pixels, window_frames: int = 16, mask_token: int = 0
    ) -> None:
        super().__init__()
        config = model.config
        if window_frames % config.tubelet_size:
            raise ValueError(
                f"a window of {window_frames} frames is not a whole number of "
                f"{config.tubelet_size}-frame tubelets"
            )
        self.model = model
        self.pixels = pixels
        self.window_frames = window_frames
        self.mask_token = mask_token
        self.tubelet_size: int = config.tubelet_size
        self.input_size: int = config.crop_size
        self.grid: int = config.crop_size // config.patch_size

    def preprocess(self, frames: Tensor) -> Tensor:
        """(T, 3, H, W) uint8 -> (T, 3, S, S) float: the whole frame resized, normalised."""
        return normalise(resize_frames(frames, self.input_size), self.pixels.mean, self.pixels.std)

    def window_energies(self, clips: Tensor, contexts: Sequence[int]) -> Tensor:
        """(B, L, 3, S, S) preprocessed windows -> (len(contexts), B) mean L1 per context."""
        with device_autocast(clips):
            targets = layer_norm_targets(self.encode(clips))  # (B, N, D)
            out = []
            for context in contexts:
                first = context_tokens(context, self.tubelet_size, self.grid)
                predicted = self.predict(self.encode(clips[:, :context]), targets.shape[1])
                out.append(window_l1(predicted, targets[:, first:]))
        return torch.stack(out)

    def encode(self, clips: Tensor) -> Tensor:
        """(B, T, 3, S, S) -> (B, T / tubelet * grid**2, D) encoder tokens."""
        return self.model.encoder(pixel_values_videos=clips).last_hidden_state

    def predict(self, context: Tensor, num_tokens: int) -> Tensor:
        """Predictor output for every token after the context.

        ``VJEPA2Predictor.forward`` always uses mask token 1; this runs its parts with
        ``self.mask_token`` instead, in the same order (embed, sort by position, layers, norm,
        unsort, project).

        Args:
            context: (B, Nc, D) encoder tokens of the first frames, positions 0 .. Nc - 1.
            num_tokens: N, tokens of the whole window.

        Returns:
            (B, N - Nc, D) predicted tokens at positions Nc .. N - 1.
        """
        batch, first = context.shape[:2]
        positions = torch.arange(num_tokens, device=context.device).expand(batch, -1)
        context_mask, target_mask = [positions[:, :first]], [positions[:, first:]]
        predictor = self.model.predictor
        hidden, position_ids = predictor.embeddings(
            context, context_mask, target_mask, mask_index=self.mask_token
        )
        order = torch.argsort(position_ids, dim=1)
        hidden, position_ids = predictor.sort_tokens(hidden, position_ids, order)
        for layer in predictor.layer:
            hidden = layer(hidden, position_ids)[0]
        hidden = predictor.unsort_tokens(predictor.layernorm(hidden), order)
        return predictor.proj(hidden[:, first:])

