"""The W&B logger follows wandb's own switches: WANDB_MODE, WANDB_API_KEY, a stored login."""

from __future__ import annotations

from pathlib import Path

from physpred.lit.loggers import stored_login, wandb_offline


def test_wandb_mode_decides_when_set() -> None:
    assert wandb_offline({"WANDB_MODE": "offline", "WANDB_API_KEY": "k"}, logged_in=True)
    assert wandb_offline({"WANDB_MODE": "dryrun"}, logged_in=True)
    assert not wandb_offline({"WANDB_MODE": "online"}, logged_in=False)
    assert not wandb_offline({"WANDB_MODE": "disabled"}, logged_in=False)  # wandb disables itself


def test_a_key_or_a_stored_login_means_online() -> None:
    assert not wandb_offline({"WANDB_API_KEY": "k"}, logged_in=False)
    assert not wandb_offline({}, logged_in=True)
    assert wandb_offline({}, logged_in=False)


def test_stored_login_reads_the_netrc_entry_of_the_wandb_host(tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine api.wandb.ai\n  login user\n  password 0123456789abcdef\n")
    netrc.chmod(0o600)
    assert stored_login({"NETRC": str(netrc)})
    assert not stored_login({"NETRC": str(netrc), "WANDB_BASE_URL": "https://wandb.example.org"})
    assert not stored_login({"NETRC": str(tmp_path / "missing")})
    netrc.write_text("machine\n")  # broken
    assert not stored_login({"NETRC": str(netrc)})
