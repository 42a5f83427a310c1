"""Weights & Biases logger that stays offline unless the user has an API key."""

from __future__ import annotations

import os

from pytorch_lightning.loggers import WandbLogger


class AutoWandbLogger(WandbLogger):
    """WandbLogger, offline (``wandb sync`` later) unless ``WANDB_API_KEY`` is set.

    ``WANDB_MODE=offline`` in the environment forces offline mode as usual.

    Args:
        project: W&B project.
        name: run name (None: W&B picks one).
        save_dir: folder under which ``wandb/`` run folders are written.
        offline: force offline (True) or online (False); None decides from ``WANDB_API_KEY``.
        log_model: upload checkpoints as artifacts (online runs only).
    """

    def __init__(
        self,
        *,
        project: str = "physpred",
        name: str | None = None,
        save_dir: str = ".",
        offline: bool | None = None,
        log_model: bool = False,
    ) -> None:
        if offline is None:
            offline = "WANDB_API_KEY" not in os.environ or os.environ.get("WANDB_MODE") == "offline"
        super().__init__(project=project, name=name, save_dir=save_dir, offline=offline, log_model=log_model)
