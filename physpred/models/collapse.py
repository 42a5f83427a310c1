"""Anti-collapse statistics (VICReg, SIGReg) and collapse diagnostics.

All functions are pure: embeddings (n, D) in, scalars out. The weighted objective terms
built on them are in ``physpred.models.terms``.
"""

from __future__ import annotations

import torch
from einops import rearrange
from torch import Tensor


def sample_rows(tokens: Tensor, max_rows: int) -> Tensor:
    """(B, T, N, D) -> at most ``max_rows`` evenly strided rows (n, D)."""
    rows = rearrange(tokens, "b t n d -> (b t n) d")
    return rows[:: max(rows.shape[0] // max_rows, 1)]


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
    embeddings: Tensor,
    *,
    projections: int = 256,
    knots: int = 17,
    t_max: float = 3.0,
    max_rows: int = 512,
    seed: int = 0,
) -> Tensor:
    """SIGReg: Epps-Pulley statistic of random 1-D projections against N(0, 1), averaged.

    For each unit direction a, the empirical characteristic function of h = x a is compared
    with exp(-t^2 / 2), weighted by exp(-t^2 / 2). The integrand is even in t, so it is
    integrated on the half line [0, t_max] and doubled (trapezoid rule), as LeJEPA does: the
    same accuracy as [-t_max, t_max] at half the knots.

    Cost is linear in rows x projections x knots; the statistic of a few hundred rows already
    tests the shape of the distribution, so at most ``max_rows`` evenly strided rows are used
    (4,096 rows made it 100x the cost of VICReg on a CPU).

    Args:
        embeddings: (n, D).
        projections: number of random directions.
        knots: integration points on [0, t_max].
        t_max: integration range.
        max_rows: rows used at most.
        seed: seed of the directions (pass the step so they change each step, reproducibly).

    Returns:
        scalar statistic (0 for an isotropic standard Gaussian, up to sampling noise).
    """
    x = embeddings.float()[:: max(embeddings.shape[0] // max_rows, 1)][:max_rows]
    gen = torch.Generator().manual_seed(seed)
    a = torch.randn(x.shape[1], projections, generator=gen).to(x.device)
    a = a / a.norm(dim=0, keepdim=True)
    h = x @ a  # (n, P)
    t = torch.linspace(0.0, t_max, knots, device=x.device)  # (K,)
    th = h[:, :, None] * t  # (n, P, K)
    real, imag = torch.cos(th).mean(dim=0), torch.sin(th).mean(dim=0)  # (P, K)
    gauss = torch.exp(-0.5 * t**2)
    integrand = ((real - gauss) ** 2 + imag**2) * gauss  # (P, K)
    stat = 2.0 * torch.trapezoid(integrand, t, dim=1)  # (P,)
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
