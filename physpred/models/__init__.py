"""Model parts: encoders, predictors, the latent variable, energies and anti-collapse terms."""

from physpred.models.encoder import ConvEncoder, VideoViTEncoder
from physpred.models.energy import PixelHead, token_energy
from physpred.models.latent import LatentVariable
from physpred.models.predictor import ConvPredictor, TransformerPredictor
from physpred.models.unet import UNetPredictor
from physpred.models.warp import WarpPredictor

__all__ = [
    "ConvEncoder",
    "ConvPredictor",
    "LatentVariable",
    "PixelHead",
    "TransformerPredictor",
    "UNetPredictor",
    "VideoViTEncoder",
    "WarpPredictor",
    "token_energy",
]
