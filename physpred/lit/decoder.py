"""A pixel decoder for representation-space models, so their predictions can be seen.

V-JEPA-style models predict representations, not frames. ``DecoderModule`` freezes a trained
``EnergyModel`` (``physpred.models.load_model``), and learns a small convolutional decoder from its *target*
representations of real frames back to those frames. Applied to *predicted* representations
it shows what the model expects to see. The decoder never changes the model it looks at.
"""

from __future__ import annotations

import math
from typing import Literal

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from einops import rearrange
from torch import Tensor, nn

from physpred.data.transforms import normalize_frames, to_uint8_frames
from physpred.models.checkpoint import load_model
from physpred.types import ClipGeometry


class ConvDecoder(nn.Module):
    """Token grids -> frames: a 3x3 conv, stride-2 transposed-conv stages, a 3x3 conv to pixels.

    Channels halve at each doubling of resolution (down to 16), so the large late stages stay
    cheap on a CPU.

    Args:
        dim: token width D.
        grid: side g of the square token grid (N = g^2).
        frame_size: output side S; stages double g until it reaches S (then resize if needed).
        frames_per_step: frames each token grid covers (the encoder's tubelet size).
        width: channels at the token grid's resolution.
    """

    def __init__(
        self, *, dim: int, grid: int, frame_size: int, frames_per_step: int, width: int
    ) -> None:
        super().__init__()
        self.grid, self.frame_size, self.frames_per_step = grid, frame_size, frames_per_step
        stages = max(0, round(math.log2(frame_size / grid)))
        channels = [max(width // 2**i, 16) for i in range(stages + 1)]
        layers: list[nn.Module] = [nn.Conv2d(dim, channels[0], 3, padding=1), nn.GELU()]
        for cin, cout in zip(channels[:-1], channels[1:], strict=True):
            layers += [
                nn.ConvTranspose2d(cin, cout, 4, stride=2, padding=1),
                nn.GroupNorm(8 if cout % 8 == 0 else 1, cout),
                nn.GELU(),
            ]
        layers.append(nn.Conv2d(channels[-1], 3 * frames_per_step, 3, padding=1))
        self.net = nn.Sequential(*layers)

    def forward(self, tokens: Tensor) -> Tensor:
        """Args: tokens (B, M', N, D). Returns frames (B, M' * frames_per_step, 3, S, S) in [-1, 1]."""
        b = tokens.shape[0]
        x = rearrange(tokens, "b m (h w) d -> (b m) d h w", h=self.grid, w=self.grid)
        x = self.net(x)  # (B M', 3 s, S', S')
        if x.shape[-1] != self.frame_size:
            x = F.interpolate(x, size=(self.frame_size, self.frame_size), mode="bilinear")
        x = rearrange(x, "(b m) (s c) h w -> b (m s) c h w", b=b, s=self.frames_per_step)
        return torch.tanh(x)


class DecoderModule(pl.LightningModule):
    """Learns to draw a frozen model's target representations as frames.

    Trained with ``physpred fit -c configs/decoder.yaml --model.init_args.checkpoint CKPT
    --data.root DIR``; the clip geometry comes from the data (linked by the CLI) and must match
    the checkpoint's (the frame step may differ).

    Args:
        checkpoint: a model checkpoint (``physpred fit`` writes ``<run>/model.ckpt``). Loading
            a decoder checkpoint reads it again: pass ``checkpoint=NEW_PATH`` to
            ``load_from_checkpoint`` if it has moved.
        geometry: the data's clips (linked by the CLI; saved as a plain dict, which
            ``load_from_checkpoint`` may hand back).
        width: channels of the decoder.
        lr: AdamW learning rate.
        loss: pixel loss, ``"l1"`` (sharper) or ``"l2"``.
    """

    def __init__(
        self,
        *,
        checkpoint: str,
        geometry: ClipGeometry,
        width: int = 64,
        lr: float = 1e-3,
        loss: Literal["l1", "l2"] = "l1",
    ) -> None:
        super().__init__()
        geometry = ClipGeometry(**geometry) if isinstance(geometry, dict) else geometry
        self.save_hyperparameters(ignore=["geometry"])
        self.hparams["geometry"] = geometry.as_dict()  # plain values: the checkpoint loads safely
        self.model = load_model(checkpoint).requires_grad_(False)
        for name in ("context_frames", "future_frames", "frame_size"):
            ours, theirs = getattr(geometry, name), getattr(self.model.geometry, name)
            if ours != theirs:
                raise ValueError(
                    f"DecoderModule: data.{name}={ours} but {checkpoint} was trained with "
                    f"{name}={theirs}: pass --data.{name} {theirs}"
                )
        self.geometry = geometry
        self.lr, self.loss = lr, loss
        future_frames, frame_size = geometry.future_frames, geometry.frame_size
        with torch.no_grad():
            probe = torch.zeros(1, future_frames, 3, frame_size, frame_size, dtype=torch.uint8)
            steps, tokens, dim = self.model.target_representations(probe).shape[1:]  # (M', N, D)
        grid = math.isqrt(tokens)
        if grid * grid != tokens or future_frames % steps:
            raise ValueError(
                f"DecoderModule: {checkpoint} gives {steps} x {tokens} tokens for {future_frames} "
                "frames; the decoder needs a square token grid per frame or tubelet"
            )
        self.decoder = ConvDecoder(
            dim=dim,
            grid=grid,
            frame_size=frame_size,
            frames_per_step=future_frames // steps,
            width=width,
        )

    def train(self, mode: bool = True) -> DecoderModule:
        """Switch the decoder's mode; the frozen model always stays in eval mode."""
        super().train(mode)
        self.model.eval()
        return self

    def decode(self, representations: Tensor) -> Tensor:
        """Draw representations as frames.

        Args:
            representations: (B, M', N, D), targets or predictions of the frozen model.

        Returns:
            (B, M, 3, S, S) uint8 frames.
        """
        return to_uint8_frames(self.decoder(representations))

    @torch.no_grad()
    def predict_frames(self, context: Tensor, z: Tensor | None = None) -> Tensor:
        """What the frozen model predicts after ``context``, drawn by the decoder.

        Args:
            context: (B, C, 3, S, S) uint8.
            z: (B, Z) latent values, or None for the model's default (the prior's mode).

        Returns:
            (B, M, 3, S, S) uint8 frames.
        """
        return self.decode(self.model.predict(context, z))

    def _loss(self, clips: Tensor) -> Tensor:
        _, future = self.model.split(clips)
        with torch.no_grad():
            targets = self.model.target_representations(future)  # (B, M', N, D)
        error = self.decoder(targets) - normalize_frames(future)
        return error.abs().mean() if self.loss == "l1" else error.pow(2).mean()

    def training_step(self, batch: Tensor, batch_idx: int) -> Tensor:
        """Pixel loss of decoding the targets of a batch of clips (B, T, 3, S, S) uint8."""
        loss = self._loss(batch)
        self.log("train/loss", loss, prog_bar=True)
        return loss

    def validation_step(self, batch: Tensor, batch_idx: int) -> None:
        """Log ``val/decoder_loss``."""
        self.log("val/decoder_loss", self._loss(batch), prog_bar=True)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.AdamW(self.decoder.parameters(), lr=self.lr)

