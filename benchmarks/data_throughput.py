"""Clips per second of the training DataLoader versus raw decord decoding of the same frames.

Usage: ``python benchmarks/data_throughput.py [--videos 16 --frames 64 --size 64 --epochs 3]``

Makes a small set of videos (with ``physpred.world.generate_videos`` when it exists, else
moving squares written with PyAV), then times
- pipeline: ``VideoDataModule.train_dataloader()`` (2 workers, persistent, batch 16), after one
  warm-up epoch that starts the workers;
- raw: decord ``VideoReader(...).get_batch(indices)`` in this process for exactly the clips the
  pipeline served;
- the same DataLoader without workers (its ratio to raw is the per-clip overhead).
One figure per line; the last line is ``ratio=<pipeline/raw>``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from physpred.data import VideoDataModule


def make_videos(root: Path, videos: int, frames: int, size: int, seed: int) -> str:
    """Write ``videos`` mp4 files under root; returns which generator made them."""
    try:
        from physpred.world import generate_videos
    except ImportError:
        generate_videos = None
    if generate_videos is not None:
        generate_videos(out=str(root), videos=videos, frames=frames, size=size, seed=seed)
        return "physpred.world"
    import av

    (root / "videos").mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for v in range(videos):
        with av.open(str(root / "videos" / f"{v:06d}.mp4"), "w") as container:
            stream = container.add_stream("libx264", rate=15)
            stream.height = stream.width = size
            stream.pix_fmt = "yuv420p"
            stream.options = {"crf": "10"}
            x, y = rng.uniform(0, size - 8, 2)
            dx, dy = rng.uniform(-2, 2, 2)
            for _ in range(frames):
                frame = np.full((size, size, 3), 40, dtype=np.uint8)
                x, y = (x + dx) % (size - 8), (y + dy) % (size - 8)
                frame[int(y) : int(y) + 8, int(x) : int(x) + 8] = (220, 180, 30)
                container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
            container.mux(stream.encode())
    return "PyAV moving squares"


def time_pipeline(
    root: Path, args: argparse.Namespace, workers: int
) -> tuple[float, list[tuple[Path, list[int]]]]:
    """Clips/s of the training DataLoader over ``args.epochs`` epochs after a warm-up epoch.

    Returns:
        clips per second and the (path, frame numbers) of every clip served.
    """
    module = VideoDataModule(
        str(root),
        context_frames=8,
        future_frames=4,
        frame_size=args.size,
        batch_size=args.batch_size,
        num_workers=workers,
        val_fraction=0.0,
        clips_per_video=args.clips_per_video,
    )
    loader = module.train_dataloader()
    sampler = loader.sampler
    for _ in loader:  # warm-up: start the (persistent) workers
        pass
    served: list[int] = []
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)
        served.extend(list(sampler)[: len(loader) * args.batch_size])  # what the loader will serve
        sampler.set_epoch(epoch)  # (listing it moved the sampler on)
        for _ in loader:
            pass
    rate = len(served) / (time.perf_counter() - start)
    return rate, [module.train_set.clip_source(i) for i in served]


def time_raw_decord(sources: list[tuple[Path, list[int]]]) -> float:
    """Clips/s of decord alone (open + get_batch) for the same clips, in this process."""
    import decord

    start = time.perf_counter()
    for path, indices in sources:
        reader = decord.VideoReader(str(path), ctx=decord.cpu(0), num_threads=1)
        reader.get_batch(indices).asnumpy()
    return len(sources) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=16)
    parser.add_argument("--frames", type=int, default=64)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--clips-per-video", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        made_by = make_videos(root, args.videos, args.frames, args.size, seed=0)
        print(f"videos={args.videos} frames={args.frames} size={args.size} made_by={made_by}")
        in_process, _ = time_pipeline(root, args, workers=0)
        pipeline, sources = time_pipeline(root, args, workers=args.workers)
        raw = time_raw_decord(sources)
    print(f"clips={len(sources)} T=12 batch={args.batch_size}")
    print(f"pipeline_0_workers_clips_per_s={in_process:.1f}")
    print(f"pipeline_{args.workers}_workers_clips_per_s={pipeline:.1f}")
    print(f"raw_decord_1_process_clips_per_s={raw:.1f}")
    print(f"ratio_0_workers={in_process / raw:.2f}")
    print(f"ratio={pipeline / raw:.2f}")


if __name__ == "__main__":
    main()
