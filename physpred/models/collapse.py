"""Anti-collapse terms (EMA target, VICReg, SIGReg) and collapse diagnostics.

All functions are pure: embeddings (n, D) in, scalars out.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor, nn

Collapse = Literal["ema", "vicreg", "sigreg", "none"]


def momentum_at(step: int, total_steps: int, start: float, end: float) -> float:
    """EMA momentum, linear from ``start`` at step 0 to ``end`` at ``total_steps``."""
    frac = min(max(step / max(total_steps, 1), 0.0), 1.0)
    return start + (end - start) * frac


@torch.no_grad()
def ema_update(target: nn.Module, online: nn.Module, momentum: float) -> None:
    """target <- momentum * target + (1 - momentum) * online, parameter by parameter."""
    for t, o in zip(target.parameters(), online.parameters(), strict=True):
        t.lerp_(o.detach(), 1.0 - momentum)


def vicreg_terms(embeddings: Tensor, eps: float = 1e-4) -> tuple[Tensor, Tensor]:
    """VICReg variance (hinge on each dimension's std at 1) and covariance (off-diagonal^2 / D).

    Args:
        embeddings: (n, D).

    Returns:
        (variance, covariance) scalars.
    """
    x = embeddings.float() - embeddings.float().mean(dim=0)
    std = torch.sqrt(x.var(dim=0) + eps)
    variance = torch.relu(1.0 - std).mean()
    n, d = x.shape
    cov = x.T @ x / max(n - 1, 1)  # (D, D)
    off = cov - torch.diag(torch.diagonal(cov))
    return variance, off.pow(2).sum() / d


def sigreg(
    embeddings: Tensor, *, projections: int = 256, knots: int = 17, t_max: float = 3.0, seed: int = 0
) -> Tensor:
    """SIGReg: Epps-Pulley statistic of random 1-D projections against N(0, 1), averaged.

    For each unit direction a, the empirical characteristic function of h = x a is compared
    with exp(-t^2 / 2) on t in [-t_max, t_max], weighted by exp(-t^2 / 2) (trapezoid rule).

    Args:
        embeddings: (n, D).
        projections: number of random directions.
        knots: integration points.
        t_max: integration range.
        seed: seed of the directions (pass the step so they change each step, reproducibly).

    Returns:
        scalar statistic (0 for an isotropic standard Gaussian, up to sampling noise).
    """
    x = embeddings.float()
    gen = torch.Generator().manual_seed(seed)
    a = torch.randn(x.shape[1], projections, generator=gen).to(x.device)
    a = a / a.norm(dim=0, keepdim=True)
    h = x @ a  # (n, P)
    t = torch.linspace(-t_max, t_max, knots, device=x.device)  # (K,)
    th = h[:, :, None] * t  # (n, P, K)
    real, imag = torch.cos(th).mean(dim=0), torch.sin(th).mean(dim=0)  # (P, K)
    gauss = torch.exp(-0.5 * t**2)
    integrand = ((real - gauss) ** 2 + imag**2) * gauss  # (P, K)
    stat = torch.trapezoid(integrand, t, dim=1)  # (P,)
    return stat.mean()


def representation_std(embeddings: Tensor) -> Tensor:
    """Mean over D of each dimension's standard deviation over the n rows of (n, D)."""
    return embeddings.float().std(dim=0).mean()


def effective_rank(embeddings: Tensor) -> Tensor:
    """exp(entropy) of the normalised singular values of centred embeddings (n, D) -> scalar."""
    x = embeddings.float() - embeddings.float().mean(dim=0)
    s = torch.linalg.svdvals(x)
    p = s / s.sum().clamp_min(1e-12)
    return torch.exp(-(p * p.clamp_min(1e-12).log()).sum())
