"""Lightning side of physpred: the training modules and the CLI."""

from physpred.lit.decoder import DecoderModule
from physpred.lit.module import FuturePredictionModule

__all__ = ["DecoderModule", "FuturePredictionModule"]
