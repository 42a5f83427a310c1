"""Model parts and the energy model that ties them: E(x, y, z), F(x, y), candidate scoring.

``load_model(path)`` opens a checkpoint written by ``physpred fit``.
"""

from physpred.models.baselines import CopyLastPredictor
from physpred.models.checkpoint import (
    CheckpointError,
    load_model,
    read_part_file,
    untrained_like,
    with_part,
    with_scoring,
)
from physpred.models.distances import L1Distance, L2Distance, MultiscaleL2Distance
from physpred.models.encoder import ConvEncoder, VideoViTEncoder
from physpred.models.energy import EnergyModel
from physpred.models.latent import LatentVariable
from physpred.models.predictor import ConvPredictor, TransformerPredictor
from physpred.models.targets import EMATarget, OnlineTarget, PixelTarget
from physpred.models.terms import ChangeFocusTerm, ContrastiveHinge, SIGRegTerm, VICRegTerm
from physpred.models.unet import UNetPredictor
from physpred.models.warp import WarpPredictor

__all__ = [
    "CheckpointError",
    "ChangeFocusTerm",
    "ContrastiveHinge",
    "ConvEncoder",
    "ConvPredictor",
    "CopyLastPredictor",
    "EMATarget",
    "EnergyModel",
    "L1Distance",
    "L2Distance",
    "LatentVariable",
    "MultiscaleL2Distance",
    "OnlineTarget",
    "PixelTarget",
    "SIGRegTerm",
    "TransformerPredictor",
    "UNetPredictor",
    "VICRegTerm",
    "VideoViTEncoder",
    "WarpPredictor",
    "load_model",
    "read_part_file",
    "untrained_like",
    "with_part",
    "with_scoring",
]
