"""The latent variable z: amortised inference, refinement, prior and regulariser.

z (B, Z) is bounded to (-1, 1) by tanh. Inference follows Error-Encoding Networks: an encoder
reads the last context step and what the deterministic prediction (z = 0) failed to predict,
pooled over future steps and tokens. ``refine_steps`` gradient steps on E + weight * R(z) can
follow. The prior is z = 0 (its mode).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn

from physpred.models.blocks import sincos_positions_2d


class LatentVariable(nn.Module):
    """Latent z of size ``dim`` (0 = deterministic model).

    Args:
        dim: Z, the capacity knob: a z that can carry everything makes every future plausible.
        context_dim: width of context tokens (the encoder's D).
        target_dim: width of target tokens (D, or 3 p^2 for pixel-space energy).
        hidden: width of the inference MLP.
        weight: lambda, the weight of R(z) = mean(z^2).
        refine_steps: gradient steps refining the amortised z when computing a free energy.
        refine_lr: step size of that refinement (on the pre-tanh variable).
        positions: width of a fixed 2-D sine-cosine code of each token's place appended to the
            inference MLP's input, with max- beside mean-pooling over tokens (0: neither). The
            mean of position-blind token features cannot say *where* the deterministic
            prediction went wrong, so without it z cannot point at an object.
        noise: std of Gaussian noise on the pre-tanh z during training (0: none), with ``weight``
            an information bottleneck: z keeps only what pays for its cost.
    """

    def __init__(
        self,
        *,
        dim: int = 4,
        context_dim: int = 64,
        target_dim: int = 64,
        hidden: int = 128,
        weight: float = 0.1,
        refine_steps: int = 0,
        refine_lr: float = 0.5,
        positions: int = 0,
        noise: float = 0.0,
    ) -> None:
        super().__init__()
        self.dim, self.weight = dim, weight
        self.context_dim, self.target_dim = context_dim, target_dim
        self.refine_steps, self.refine_lr = refine_steps, refine_lr
        self.positions, self.noise = positions, noise
        inputs = context_dim + target_dim + positions
        self.token_mlp = (
            nn.Sequential(nn.Linear(inputs, hidden), nn.GELU(), nn.Linear(hidden, hidden))
            if dim
            else None
        )
        self.head = nn.Linear(2 * hidden if positions else hidden, dim) if dim else None

    def zeros(self, batch: int, like: Tensor) -> Tensor:
        """The prior's mode: (B, Z) zeros with the dtype and device of ``like``."""
        return like.new_zeros(batch, self.dim)

    def _preact(self, last_context: Tensor, residual: Tensor) -> Tensor:
        """Args: last_context (B, N, Dc); residual (B, M, N, Dt). Returns pre-tanh z (B, Z)."""
        b, m, n, _ = residual.shape
        parts = [last_context[:, None].expand(-1, m, -1, -1), residual]  # (B, M, N, Dc), (B, M, N, Dt)
        if self.positions:
            side = math.isqrt(n)
            code = sincos_positions_2d(side, side, self.positions).to(residual)  # (N, P)
            parts.append(code.expand(b, m, n, self.positions))
        h = self.token_mlp(torch.cat(parts, dim=-1))  # (B, M, N, hidden)
        pooled = h.mean(dim=(1, 2))
        if self.positions:
            pooled = torch.cat([pooled, h.amax(dim=(1, 2))], dim=-1)  # (B, 2 hidden)
        pre = self.head(pooled)
        if self.training and self.noise:
            pre = pre + self.noise * torch.randn_like(pre)
        return pre

    def infer(self, last_context: Tensor, residual: Tensor) -> Tensor:
        """Amortised z from the last context step and the deterministic prediction's error.

        Args:
            last_context: (B, N, Dc) tokens of the last context step.
            residual: (B, M, N, Dt) target minus the z = 0 prediction.

        Returns:
            z (B, Z) in (-1, 1).
        """
        if self.dim == 0:
            return self.zeros(residual.shape[0], residual)
        return torch.tanh(self._preact(last_context, residual))

    def regularizer(self, z: Tensor) -> Tensor:
        """R(z) = mean over Z of z^2 -> (B,); zero for Z = 0."""
        if self.dim == 0:
            return z.new_zeros(z.shape[0])
        return z.pow(2).mean(dim=1)

    def refine(self, z: Tensor, energy_fn: Callable[[Tensor], Tensor]) -> Tensor:
        """``refine_steps`` gradient steps on energy_fn(z) + weight * R(z), staying in (-1, 1).

        Args:
            z: (B, Z) starting point, detached inside.
            energy_fn: maps z (B, Z) to per-sample energies (B,).

        Returns:
            refined z (B, Z), detached.
        """
        if self.dim == 0 or self.refine_steps == 0:
            return z
        with torch.inference_mode(False), torch.enable_grad():
            u = torch.atanh(z.detach().clone().clamp(-0.999, 0.999)).requires_grad_(True)
            for _ in range(self.refine_steps):
                zz = torch.tanh(u)
                total = (energy_fn(zz) + self.weight * self.regularizer(zz)).sum()
                (grad,) = torch.autograd.grad(total, u)
                u = (u - self.refine_lr * grad).detach().requires_grad_(True)
        return torch.tanh(u).detach()
