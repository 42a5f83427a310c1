"""Lightning side of physpred: the training modules and the CLI."""

from physpred.lit.decoder import DecoderModule
from physpred.lit.module import FuturePredictionModule
from physpred.lit.objects import ObjectPredictionModule

__all__ = ["DecoderModule", "FuturePredictionModule", "ObjectPredictionModule"]
