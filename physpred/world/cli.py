"""``physpred world videos|probes``: jsonargparse front-end over :mod:`physpred.world.generate`.

Options follow the vocabulary of :mod:`physpred.options` (``-c FILE``, ``--print_config``).
Errors a user can cause print one line that names the option and exit with status 2.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from jsonargparse import ArgumentParser
from jsonargparse.typing import PositiveInt

from physpred.files import FolderBusyError
from physpred.options import UsageError, new_parser, parse
from physpred.usage import debug_enabled, one_line
from physpred.world.generate import GRAVITY, WorldError, generate_probes, generate_videos
from physpred.world.probes import BLOCKS, ProbeFailure
from physpred.world.styles import STYLES

# The old spellings, kept for one release (physpred.options rewrites them with a note).
RENAMED = {"--size": "--frame_size", "--workers": "--num_workers", "--scenes": "--scenes_per_block"}


def _add_common(
    command: ArgumentParser, *, frames: int, size: int, seed: int, masks_help: str
) -> None:
    """Options both commands share, with each command's defaults."""
    command.add_argument("--out", required=True, help="output folder")
    command.add_argument("--frames", type=PositiveInt, default=frames, help="frames per movie")
    command.add_argument(
        "--frame_size", type=PositiveInt, default=size, help="frame size in pixels, even"
    )
    command.add_argument(
        "--fps", type=PositiveInt, default=15, help="frames per second of simulated time"
    )
    command.add_argument("--seed", type=int, default=seed, help="root seed")
    command.add_argument("--num_workers", type=PositiveInt, default=2, help="worker processes")
    command.add_argument("--gravity", type=float, default=GRAVITY, help="world units/s²")
    command.add_argument("--masks", action="store_true", help=masks_help)


def _videos_parser() -> ArgumentParser:
    videos = new_parser(
        "physpred world videos", "Training videos: OUT/videos/*.mp4 + OUT/manifest.jsonl."
    )
    videos.add_argument("--videos", type=PositiveInt, required=True, help="number of videos")
    videos.add_argument(
        "--kinds",
        type=str | None,
        help="shares of scene kinds, e.g. occlusion=3,gap=2,support=1 (default: the standard mix)",
    )
    _add_common(
        videos,
        frames=64,
        size=64,
        seed=0,
        masks_help="also write instance masks, OUT/videos/NNNNNN.masks.npz beside each video",
    )
    return videos


def _probes_parser() -> ArgumentParser:
    probes = new_parser(
        "physpred world probes", "Probe quadruplets (possible / impossible) in the IntPhys layout."
    )
    probes.add_argument(
        "--scenes_per_block", type=PositiveInt, required=True, help="quadruplets per block"
    )
    probes.add_argument("--blocks", default=",".join(BLOCKS), help="comma-separated blocks")
    probes.add_argument(
        "--style",
        choices=STYLES,
        default="standard",
        help="look of the frames; not standard = a look the training videos never show",
    )
    _add_common(
        probes,
        frames=100,
        size=128,
        seed=1,
        masks_help="also write instance masks, <movie>/masks/masks_NNN.png, ids in status.json",
    )
    return probes


PARSERS = {"videos": _videos_parser, "probes": _probes_parser}
USAGE = """usage: physpred world {videos,probes} [-c FILE] [options]

  videos   training videos: OUT/videos/*.mp4 + OUT/manifest.jsonl
  probes   probe quadruplets in the IntPhys dev layout

`physpred world videos --help` lists the options; `--print_config` prints them as YAML."""


def main(argv: Sequence[str]) -> int:
    """Run ``physpred world``; returns the exit status (2 for a usage error)."""
    try:
        if not argv or argv[0] not in PARSERS:
            if argv and argv[0] in ("-h", "--help"):
                print(USAGE)
                return 0
            raise UsageError(
                "physpred world: error: choose a command, videos or probes (see physpred world --help)"
            )
        command = argv[0]
        args = parse(PARSERS[command](), argv[1:], RENAMED)
        if command == "videos":
            manifest = generate_videos(
                args.out,
                args.videos,
                args.frames,
                args.frame_size,
                args.fps,
                args.seed,
                args.num_workers,
                args.gravity,
                kinds=args.kinds,
                masks=args.masks,
            )
            print(f"wrote {manifest}")
        else:
            made = generate_probes(
                args.out,
                args.scenes_per_block,
                args.blocks,
                args.frame_size,
                args.frames,
                args.seed,
                args.fps,
                args.num_workers,
                args.gravity,
                style=args.style,
                masks=args.masks,
            )
            print(f"wrote {len(made)} quadruplets under {args.out}")
    except UsageError as error:
        print(one_line(error), file=sys.stderr)
        return 2
    except (WorldError, ProbeFailure, FolderBusyError) as error:
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
