"""Schedules stepped every optimiser step: the learning rate (warmup + cosine), the EMA momentum."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import pytorch_lightning as pl
from torch import nn
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler


def warmup_cosine_factor(step: int, warmup_steps: int, total_steps: int, min_ratio: float) -> float:
    """Multiplier of the base lr at ``step``: 0 -> 1 over warmup, cosine to ``min_ratio`` at the end."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = min((step - warmup_steps) / max(total_steps - warmup_steps, 1), 1.0)
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


def optimizer_config(
    parameters: Iterable[nn.Parameter],
    optimizer_factory: Callable[..., Optimizer],
    lr_scheduler_factory: Callable[[Optimizer], LRScheduler] | None,
    trainer: pl.Trainer,
) -> dict:
    """What a LightningModule's ``configure_optimizers`` returns: the optimiser over
    ``parameters`` and, if given, its scheduler stepped every optimiser step (a scheduler whose
    ``total_steps`` is None, as WarmupCosine's in YAML, runs as long as ``trainer``'s training)."""
    optimizer = optimizer_factory(parameters)
    if lr_scheduler_factory is None:
        return {"optimizer": optimizer}
    scheduler = lr_scheduler_factory(optimizer)
    if getattr(scheduler, "total_steps", 0) is None:
        scheduler.total_steps = int(trainer.estimated_stepping_batches)
    return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}


def momentum_at(step: int, total_steps: int, start: float, end: float) -> float:
    """EMA momentum, linear from ``start`` at step 0 to ``end`` at ``total_steps``."""
    frac = min(max(step / max(total_steps, 1), 0.0), 1.0)
    return start + (end - start) * frac


class WarmupCosine(LRScheduler):
    """Warmup + cosine; after ``total_steps`` the lr stays at ``min_ratio`` * base lr.

    Step it every optimiser step (FuturePredictionModule does: ``interval: step``).

    Args:
        optimizer: the wrapped optimiser.
        warmup_steps: steps of linear warmup.
        total_steps: step at which the cosine reaches its minimum; None (the default): the
            trainer's total steps, filled in by ``FuturePredictionModule`` before training.
        min_ratio: final lr as a fraction of the base lr.
    """

    def __init__(
        self, optimizer: Optimizer, *, warmup_steps: int = 100, total_steps: int | None = None, min_ratio: float = 0.05
    ) -> None:
        self.warmup_steps, self.total_steps, self.min_ratio = warmup_steps, total_steps, min_ratio
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        """Learning rates at ``self.last_epoch`` (which counts steps here)."""
        total = self.total_steps
        if total is None:  # the factor at step 0 (computed at construction) does not depend on it
            if self.last_epoch > 0:
                raise ValueError("WarmupCosine: total_steps is unknown; set it, or train through FuturePredictionModule")
            total = 1
        f = warmup_cosine_factor(self.last_epoch, self.warmup_steps, total, self.min_ratio)
        return [base * f for base in self.base_lrs]
