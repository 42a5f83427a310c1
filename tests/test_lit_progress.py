"""Progress of long jobs: log lines off a terminal, a bar over the whole run on one."""

from __future__ import annotations

import io

import pytorch_lightning as pl
import torch

from physpred.lit.progress import (
    ProgressLog,
    RunProgressBar,
    duration,
    progress_callbacks,
    progress_line,
)


def test_duration_reads_at_a_glance() -> None:
    assert [duration(s) for s in (0, 42.4, 185, 3720)] == ["0s", "42s", "3m05s", "1h02m"]


def test_progress_line_counts_percent_and_eta() -> None:
    line = progress_line("probe", "movies", 12, 48, 70.0, extra="340 windows")
    assert line == "probe: 12/48 movies (25%), 340 windows, 1m10s elapsed, ETA 3m30s"
    assert progress_line("fit", "steps", 5, None, 3.0) == "fit: 5 steps, 3s elapsed"
    # a run resumed at step 1000 has made 100 steps in 60 s: 900 more take 540 s
    assert progress_line("fit", "steps", 1100, 2000, 60.0, start=1000).endswith("ETA 9m00s")
    assert "ETA" not in progress_line("fit", "steps", 1000, 2000, 5.0, start=1000)


def test_a_choice_the_user_made_is_kept() -> None:
    assert progress_callbacks(False, [], terminal=False) == ([], False)
    assert progress_callbacks(True, [], terminal=False) == ([], True)
    own = pl.callbacks.TQDMProgressBar()
    assert progress_callbacks(None, [own], terminal=True) == ([], None)
    added, enable = progress_callbacks(None, [], terminal=True)
    assert enable is True and [type(c) for c in added] == [RunProgressBar]
    added, enable = progress_callbacks(None, [], terminal=False)
    assert enable is False and [type(c) for c in added] == [ProgressLog]


class _Tiny(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(2, 1)

    def training_step(self, batch: torch.Tensor, batch_idx: int) -> torch.Tensor:
        return self.layer(batch).pow(2).mean()

    def predict_step(self, batch: torch.Tensor, batch_idx: int) -> torch.Tensor:
        return batch

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.1)


def test_log_lines_count_steps_of_max_steps_and_predicted_items() -> None:
    torch.manual_seed(0)
    stream = io.StringIO()
    log = ProgressLog(every_s=0.0, extra=("rows", len), stream=stream)
    trainer = pl.Trainer(
        max_steps=6, logger=False, enable_checkpointing=False, enable_progress_bar=False,
        enable_model_summary=False, callbacks=[log], accelerator="cpu",
    )  # fmt: skip
    loader = torch.utils.data.DataLoader(torch.randn(8, 2), batch_size=2)  # 4 batches an epoch
    trainer.fit(_Tiny(), loader)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("fit: 1/6 steps (17%), ") and "ETA" in lines[0]
    assert lines[-1].startswith("fit: 6/6 steps (100%), ")  # across the epoch boundary
    stream.seek(0), stream.truncate()
    trainer.predict(_Tiny(), loader)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("probe: 1/4 movies (25%), 2 rows, ")
    assert lines[-1].startswith("probe: 4/4 movies (100%), 8 rows, ")


def test_the_bar_covers_the_whole_run_not_one_epoch() -> None:
    torch.manual_seed(0)
    bar = RunProgressBar()
    trainer = pl.Trainer(
        max_steps=6, logger=False, enable_checkpointing=False, enable_model_summary=False,
        callbacks=[bar], accelerator="cpu",
    )  # fmt: skip
    trainer.fit(_Tiny(), torch.utils.data.DataLoader(torch.randn(8, 2), batch_size=2))
    assert (bar.train_progress_bar.total, bar.train_progress_bar.n) == (6, 6)
