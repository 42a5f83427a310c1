"""Throughput of `physpred world`: one figure per line, the headline (videos/s) last.

Run: `.venv/bin/python benchmarks/world_throughput.py [--videos 400] [--scenes 30] [--workers 2]`.
Targets (issue 2): >= 20 videos/s of 64-frame 64x64 training videos with 2 workers, and 30 scenes
per block of 100-frame 128x128 probes in under 2 minutes. Figures depend on what else runs on
the machine; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from physpred.world import generate_probes, generate_videos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=400, help="training videos to make")
    parser.add_argument("--scenes", type=int, default=30, help="probe scenes per block (0 skips)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"cpus={os.cpu_count()} load_average_1min={os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        if args.scenes:
            start = time.perf_counter()
            generate_probes(
                Path(folder) / "probes", args.scenes, workers=args.workers, progress=False
            )
            seconds = time.perf_counter() - start
            print(
                f"probes_{args.scenes}_scenes_per_block_6_blocks_128px_100_frames_s={seconds:.1f}"
            )
        start = time.perf_counter()
        generate_videos(Path(folder) / "videos", args.videos, workers=args.workers, progress=False)
        seconds = time.perf_counter() - start
    print(f"load_average_1min_after={os.getloadavg()[0]:.2f}")
    print(f"videos_per_s={args.videos / seconds:.1f}")


if __name__ == "__main__":
    main()
