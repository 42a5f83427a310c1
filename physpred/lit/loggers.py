"""Weights & Biases logger that respects wandb's own switches and goes offline only when it
could not log in."""

from __future__ import annotations

import netrc
import os
from collections.abc import Mapping
from urllib.parse import urlparse

from pytorch_lightning.loggers import WandbLogger


def stored_login(environ: Mapping[str, str]) -> bool:
    """True when ``wandb login`` has stored a key: an entry for W&B's host in the netrc file
    (``$NETRC``, else ``~/.netrc``), where wandb keeps it."""
    host = urlparse(environ.get("WANDB_BASE_URL", "https://api.wandb.ai")).hostname
    try:
        return netrc.netrc(environ.get("NETRC")).authenticators(host or "") is not None
    except (OSError, netrc.NetrcParseError):
        return False


def wandb_offline(environ: Mapping[str, str], logged_in: bool) -> bool:
    """Whether to run offline when the config does not say.

    ``WANDB_MODE`` decides when set (``offline``/``dryrun``: offline; ``online``, ``disabled``:
    left to wandb); else a key (``WANDB_API_KEY``) or a stored login means online; else
    offline, so a machine that never logged in still trains (``wandb sync`` later).
    """
    mode = environ.get("WANDB_MODE")
    if mode:
        return mode in ("offline", "dryrun")
    return not (environ.get("WANDB_API_KEY") or logged_in)


class AutoWandbLogger(WandbLogger):
    """WandbLogger, offline only when wandb could not log in (see :func:`wandb_offline`).

    Args:
        project: W&B project.
        name: run name (None: W&B picks one).
        save_dir: folder under which ``wandb/`` run folders are written.
        offline: force offline (True) or online (False); None decides from wandb's switches.
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
            offline = wandb_offline(os.environ, stored_login(os.environ))
        super().__init__(project=project, name=name, save_dir=save_dir, offline=offline, log_model=log_model)
