"""Surprise on violation-of-expectation probes, the metrics over it, and ``physpred probe``.

- :mod:`physpred.eval.surprise`: free energy over sliding windows of one movie (torch).
- :mod:`physpred.eval.windows`: V-JEPA's fixed windows (context = the first C frames).
- :mod:`physpred.eval.hf`: pretrained V-JEPA 2 / VideoMAE scorers over ``transformers``.
- :mod:`physpred.eval.metrics`: pairwise / quadruplet relative accuracy, AUROC, absolute
  accuracy, bootstrap intervals (pure numpy; re-exported here).
- :mod:`physpred.eval.runner`: scoring every movie through ``Trainer.predict`` (Lightning).
- :mod:`physpred.eval.report`: scores.csv, report.json, plots, tables.
- :mod:`physpred.eval.cli`: the ``physpred probe`` command.

Only the metrics are imported here, so that ``physpred probe --help`` starts without torch.
"""

from physpred.eval.metrics import (
    absolute_accuracy,
    absolute_threshold,
    auroc,
    bootstrap_interval,
    pairwise_accuracy,
    probe_metrics,
    quadruplet_accuracy,
)

__all__ = [
    "absolute_accuracy",
    "absolute_threshold",
    "auroc",
    "bootstrap_interval",
    "pairwise_accuracy",
    "probe_metrics",
    "quadruplet_accuracy",
]
