"""The ``physpred`` command: dispatches each sub-command to its own parser.

``world`` and ``probe`` have small argparse front-ends; ``fit|validate|test|predict`` go to
LightningCLI. Heavy modules are imported only once the sub-command is known, so that
``physpred --help`` and argument errors answer quickly.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

LIGHTNING_COMMANDS = ("fit", "validate", "test", "predict")

USAGE = """usage: physpred <command> [options]

commands:
  world videos   generate training videos (mp4 + manifest.jsonl)
  world probes   generate violation-of-expectation probes (IntPhys layout)
  fit            train a model (LightningCLI; try `physpred fit --help`)
  validate       validate a model (LightningCLI)
  test           test a model (LightningCLI)
  predict        run prediction (LightningCLI)
  probe          score a checkpoint's surprise on probe movies (`probe compare` tabulates runs)

Run `physpred <command> --help` for the options of each command. Mistakes print one line
and exit with status 2; PHYSPRED_DEBUG=1 shows the full traceback instead.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    if args[0] == "--version":
        from physpred import __version__

        print(__version__)
        return 0
    command, rest = args[0], args[1:]
    if command == "world":
        from physpred.world.cli import main as world_main

        return world_main(rest)
    if command == "probe":
        from physpred.eval.cli import main as probe_main

        return probe_main(rest)
    if command in LIGHTNING_COMMANDS:
        from physpred.lit.cli import main as lightning_main

        return lightning_main([command, *rest])
    print(f"physpred: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":  # DDP re-executes the entry script: keep the guard.
    sys.exit(main())
