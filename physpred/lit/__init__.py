"""Lightning side of physpred: the training module and the CLI."""

from physpred.lit.module import FuturePredictionModule

__all__ = ["FuturePredictionModule"]
