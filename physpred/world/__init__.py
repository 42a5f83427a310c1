"""Procedural 2-D physics world (pymunk + OpenCV): training videos and matched probes.

``generate_videos`` writes H.264 training videos and a manifest; ``generate_probes`` writes
possible / impossible quadruplets in the IntPhys dev layout. See ``data/README.md`` for formats.
"""

from physpred.world.generate import generate_probes, generate_videos

__all__ = ["generate_probes", "generate_videos"]
