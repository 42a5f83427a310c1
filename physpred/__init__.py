"""physpred: learn intuitive physics from video and measure it with violation-of-expectation probes.

The package is organised so that data flows one way:
``world`` (make videos) -> ``data`` (read clips) -> ``models`` (energy-based predictor)
-> ``lit`` (training) -> ``eval`` (surprise and metrics) -> ``viz`` (figures for notebooks).
Sub-packages are imported lazily so that ``physpred --help`` starts fast.
"""

__version__ = "0.1.0"
