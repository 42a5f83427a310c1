"""Settings for running the notebooks under pytest (``pytest --nbmake notebooks``).

Notebook kernels are separate processes that inherit this environment: they get the small
setting (each notebook then runs in well under two minutes on a laptop CPU), and they can
import physpred from this checkout even where it is not pip-installed, since kernels start
in notebooks/ rather than the repository root. Run interactively, the notebooks use their
full settings.
"""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("PHYSPRED_NB_SMALL", "1")
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
