"""``physpred world videos|probes``: argparse front-end over :mod:`physpred.world.generate`.

Errors a user can cause print one line that names the option and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from physpred.usage import debug_enabled
from physpred.world.generate import GRAVITY, WorldError, generate_probes, generate_videos
from physpred.world.probes import BLOCKS, ProbeFailure
from physpred.world.styles import STYLES


class _UsageError(Exception):
    """argparse's complaint, raised instead of printing the usage and exiting."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: error: {message}")


def _add_common(command: argparse.ArgumentParser, *, frames: int, size: int, seed: int) -> None:
    """Options both commands share, with each command's defaults."""
    command.add_argument("--out", required=True, help="output folder")
    command.add_argument(
        "--frames", type=int, default=frames, help=f"frames per movie (default {frames})"
    )
    command.add_argument(
        "--size", type=int, default=size, help=f"frame size in pixels, even (default {size})"
    )
    command.add_argument(
        "--fps", type=int, default=15, help="frames per second of simulated time (default 15)"
    )
    command.add_argument("--seed", type=int, default=seed, help=f"root seed (default {seed})")
    command.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    command.add_argument(
        "--gravity", type=float, default=GRAVITY, help=f"world units/s² (default {GRAVITY:g})"
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="physpred world", description="Procedural 2-D physics world.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    videos = commands.add_parser(
        "videos", help="training videos: DIR/videos/*.mp4 + DIR/manifest.jsonl"
    )
    videos.add_argument("--videos", type=int, required=True, help="number of videos")
    videos.add_argument(
        "--kinds",
        help="shares of scene kinds, e.g. occlusion=3,gap=2,support=1 (default: the standard mix)",
    )
    _add_common(videos, frames=64, size=64, seed=0)

    probes = commands.add_parser("probes", help="probe quadruplets in the IntPhys dev layout")
    probes.add_argument("--scenes", type=int, required=True, help="quadruplets per block")
    probes.add_argument(
        "--blocks", default=",".join(BLOCKS), help=f"comma-separated (default {','.join(BLOCKS)})"
    )
    probes.add_argument(
        "--style",
        choices=STYLES,
        default="standard",
        help="look of the frames; not standard = a look the training videos never show",
    )
    _add_common(probes, frames=100, size=128, seed=1)
    return parser


def main(argv: Sequence[str]) -> int:
    """Run ``physpred world``; returns the exit status (2 for a usage error)."""
    try:
        args = _parser().parse_args(list(argv))
        if args.command == "videos":
            manifest = generate_videos(
                args.out,
                args.videos,
                args.frames,
                args.size,
                args.fps,
                args.seed,
                args.workers,
                args.gravity,
                kinds=args.kinds,
            )
            print(f"wrote {manifest}")
        else:
            made = generate_probes(
                args.out,
                args.scenes,
                args.blocks,
                args.size,
                args.frames,
                args.seed,
                args.fps,
                args.workers,
                args.gravity,
                style=args.style,
            )
            print(f"wrote {len(made)} quadruplets under {args.out}")
    except _UsageError as error:
        print(error, file=sys.stderr)
        return 2
    except (WorldError, ProbeFailure) as error:
        if debug_enabled():
            raise
        print(f"physpred world: error: {error}", file=sys.stderr)
        return 2
    except SystemExit as exit_:  # --help
        return int(exit_.code or 0)
    except KeyboardInterrupt:
        if debug_enabled():
            raise
        print(
            "physpred world: interrupted; finished files are kept, run the same command again "
            "to resume",
            file=sys.stderr,
        )
        return 130  # 128 + SIGINT, as shells report it
    return 0
