"""The object-level energy model: slots per frame, gated slot dynamics, energy in slot space."""

from physpred.models.slots.dynamics import GatedSlotDynamics
from physpred.models.slots.energy import SlotEnergy
from physpred.models.slots.foreground import ForegroundPerception
from physpred.models.slots.mask_filter import MaskFilteredPerception
from physpred.models.slots.model import ObjectEnergyModel
from physpred.models.slots.perception import MaskPerception, Percepts
from physpred.models.slots.slot_attention import SlotAttentionPerception
from physpred.models.slots.split import SplitPerception

__all__ = [
    "ForegroundPerception",
    "GatedSlotDynamics",
    "MaskFilteredPerception",
    "MaskPerception",
    "ObjectEnergyModel",
    "Percepts",
    "SlotAttentionPerception",
    "SlotEnergy",
    "SplitPerception",
]
