"""Fit an object model's dynamics alone on percepts seen once, and read how much of a move it carries as it learns.

    python benchmarks/dynamics_fit.py [--batches 150] [--held-out 20] [--steps 1500] [--every 250]
        [--min-move 0.01] -- -c configs/objects_foreground.yaml --data.root data/demo/train [fit options]

Everything after ``--`` is what ``physpred fit`` takes: the model, the data and the objective
are built exactly as a run of those options would build them. The perception must learn nothing
(the world's masks, or ``ForegroundPerception``'s classical tracking): the first ``--batches`` +
``--held-out`` batches of training clips are seen once and their percepts kept, then only the
dynamics is trained, ``--steps`` optimiser steps on batches drawn from the kept ones, with the
run's objective (``ObjectPredictionModule.objective``: withholding, imagination, every training
option), optimiser, schedule and gradient clipping. A run of the label-free recipe spends most of
its time seeing (labelling and tracking every clip); this fits the same dynamics in a fraction
of it, a screen for what decides whether the dynamics learns a lesson from given percepts.

Every ``--every`` steps it prints, over the held-out batches, the next-frame energy and the
least-squares share of an object's last step that its next-frame prediction carries, axis by
axis (object slots seen in three successive read frames whose last step is over ``--min-move``
of the frame side): 1 coasts, 0 predicts the thing where it was seen last; and the share of a
fall's first step that it foresees when an object's support leaves (the held support of
``features.held_support`` lost, then a step down over ``--min-move``; their number in
brackets, beside the share that coasting would foresee): what a G1 "floats" pair asks. The last line gives the shares after the last step.
"""

from __future__ import annotations

import argparse
import itertools
import time
import warnings
from collections.abc import Iterable, Sequence

import torch

from physpred.models.slots import Percepts
from physpred.models.slots.features import FEATURES, held_support_flags

AXES = {"y": FEATURES.index("y"), "x": FEATURES.index("x")}
"""The place features whose carry is read."""


def carried_share(seen: torch.Tensor, predicted: torch.Tensor, kind: torch.Tensor, feature: int, min_move: float) -> tuple[float, int]:
    """How much of the last step the next-frame prediction carries, along one feature.

    Args:
        seen: (B, S, K, F) percepts (feature 0 > 0.5: in view).
        predicted: (B, S - 1, K, F) next-frame predictions made at read frames 0..S-2.
        kind: (B, K) slot kinds (1: object; only objects are read).
        feature: index into :data:`FEATURES`.
        min_move: the smallest last step kept (absolute, fraction of the frame side).

    Returns:
        sum(last * foreseen) / sum(last^2) over object slots seen at t - 1, t and t + 1 whose last
        step (t - 1 to t) is over ``min_move``, with foreseen = prediction made at t minus the
        place seen at t (nan when no step is kept), and the number of steps kept.
    """
    shown = (seen[..., 0] > 0.5) & (kind == 1)[:, None]
    kept = shown[:, :-2] & shown[:, 1:-1] & shown[:, 2:]
    place = seen[..., feature]
    last = place[:, 1:-1] - place[:, :-2]
    foreseen = predicted[:, 1:, :, feature] - place[:, 1:-1]
    kept = kept & (last.abs() > min_move)
    power = (last[kept] ** 2).sum()
    share = float((last[kept] * foreseen[kept]).sum() / power) if kept.any() else float("nan")
    return share, int(kept.sum())


def onset_share(seen: torch.Tensor, predicted: torch.Tensor, kind: torch.Tensor, min_fall: float) -> tuple[float, float, int]:
    """How much of a fall's first step after its support leaves the next-frame prediction foresees.

    Args:
        seen, predicted, kind: as :func:`carried_share`.
        min_fall: the smallest first step down kept (fraction of the frame side).

    Returns:
        sum(true * foreseen) / sum(true^2) of the vertical step from t to t + 1 over the object
        slots whose held support (:func:`~physpred.models.slots.features.held_support_flags`, read on
        the percepts) is lost between t - 1 and t and that then step down by more than
        ``min_fall`` (foreseen: the prediction made at t minus the place seen at t; nan when none),
        the same share for the step from t - 1 to t (what coasting would foresee: a thing that
        had begun to fall before its flag went, as label-free slots show it) and their number. A
        dynamics that starts a fall when the support leaves foresees much of it with a small
        coasting share; one that only carries a fall once begun foresees no more than its
        carry times the coasting share.
    """
    y = FEATURES.index("y")
    present = (seen[..., 0] > 0.5) & (kind > 0)[:, None]
    held = held_support_flags(seen, present)  # (B, S, K)
    objects = present & (kind == 1)[:, None]
    lost = held[:, :-2] & ~held[:, 1:-1] & objects[:, 1:-1] & objects[:, 2:]  # (B, S - 2, K) at t = 1..S-2
    true = seen[:, 2:, :, y] - seen[:, 1:-1, :, y]
    foreseen = predicted[:, 1:, :, y] - seen[:, 1:-1, :, y]
    last = seen[:, 1:-1, :, y] - seen[:, :-2, :, y]
    kept = lost & (true > min_fall)
    if not kept.any():
        return float("nan"), float("nan"), 0
    power = (true[kept] ** 2).sum()
    return float((true[kept] * foreseen[kept]).sum() / power), float((true[kept] * last[kept]).sum() / power), int(kept.sum())


def see(module: torch.nn.Module, loader: Iterable, count: int) -> tuple[list[Percepts], int]:
    """The percepts of the first ``count`` batches of ``loader``, and the frames' side."""
    kept, side = [], 0
    with torch.no_grad():
        for batch in itertools.islice(loader, count):
            frames, masks, kinds = module._unpack(batch)
            percepts = module.model.perceive(frames, masks, kinds)
            kept.append(Percepts(percepts.features, percepts.kind))
            side = frames.shape[-1]
    if len(kept) < count:
        raise SystemExit(f"dynamics_fit: the training split holds {len(kept)} batches, fewer than --batches + --held-out ({count})")
    return kept, side


def read_carry(module: torch.nn.Module, held_out: list[Percepts], min_move: float) -> dict[str, float]:
    """The held-out next-frame energy and each axis' carried share (see :func:`carried_share`)."""
    module.eval()
    with torch.no_grad():
        rollouts = [module.model.predict(percepts) for percepts in held_out]
    module.train()
    seen = torch.cat([p.features for p in held_out])
    kind = torch.cat([p.kind for p in held_out])
    predicted = torch.cat([rollout.prediction for rollout, _ in rollouts])
    read = {"energy": float(torch.cat([energies for _, energies in rollouts]).mean())}
    for axis, feature in AXES.items():
        read[axis], _ = carried_share(seen, predicted, kind, feature, min_move)
    read["onset"], read["onset_coasting"], read["onsets"] = onset_share(seen, predicted, kind, min_move)
    return read


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=150, help="batches of clips trained on (default 150)")
    parser.add_argument("--held-out", type=int, default=20, help="batches read, never trained on (default 20)")
    parser.add_argument("--steps", type=int, default=1500, help="optimiser steps (default 1500)")
    parser.add_argument("--every", type=int, default=250, help="read the carry every this many steps (default 250)")
    parser.add_argument("--min-move", type=float, default=0.01, help="smallest last step read, fraction of the frame side (default 0.01)")
    parser.add_argument("fit", nargs=argparse.REMAINDER, help="-- then the options of `physpred fit`")
    args = parser.parse_args(argv)
    fit = args.fit[1:] if args.fit[:1] == ["--"] else args.fit
    if not fit:
        parser.error("give the run's options after --, as to `physpred fit` (e.g. -- -c configs/objects_foreground.yaml --data.root data/demo/train)")
    for name in ("batches", "held_out", "steps", "every"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    import pytorch_lightning as pl

    from physpred.data import VideoDataModule
    from physpred.lit import ObjectPredictionModule
    from physpred.lit.cli import PhysPredCLI
    from physpred.lit.see_once import learns_nothing

    with warnings.catch_warnings():  # the options are handed over on purpose, as physpred fit does
        warnings.filterwarnings("ignore", message="LightningCLI's args parameter")
        cli = PhysPredCLI(pl.LightningModule, VideoDataModule, subclass_mode_model=True, args=fit, run=False, auto_configure_optimizers=False)
    module, data = cli.model, cli.datamodule
    if not isinstance(module, ObjectPredictionModule):
        parser.error(f"the options build a {type(module).__name__}; this fits an object model's dynamics (ObjectPredictionModule)")
    if not learns_nothing(module.model.perception):
        parser.error("the perception learns (its percepts change as it trains): fit it with `physpred fit`")
    data.setup("fit")
    start = time.perf_counter()
    kept, side = see(module, data.train_dataloader(), args.batches + args.held_out)
    train, held_out = kept[: args.batches], kept[args.batches :]
    seen_seconds = time.perf_counter() - start
    parameters = [parameter for parameter in module.parameters() if parameter.requires_grad]
    optimizer = module.optimizer_factory(parameters)
    scheduler = None if module.lr_scheduler_factory is None else module.lr_scheduler_factory(optimizer)
    if scheduler is not None and getattr(scheduler, "total_steps", 0) is None:
        scheduler.total_steps = args.steps
    clip = cli.config.trainer.gradient_clip_val
    order = torch.Generator().manual_seed(0)
    print(f"seen {sum(len(p.kind) for p in train)} clips to train on, {sum(len(p.kind) for p in held_out)} held out ({seen_seconds:.0f} s)")
    module.train()
    start = time.perf_counter()
    for step in range(args.steps + 1):
        if step % args.every == 0 or step == args.steps:
            read = read_carry(module, held_out, args.min_move)
            print(
                f"step {step:5d}  carried share y {read['y']:.3f}  x {read['x']:.3f}  onset {read['onset']:.3f}"
                f" (coasting {read['onset_coasting']:.3f}, {read['onsets']})"
                f"  held-out energy {read['energy']:.3f}  ({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
        if step == args.steps:
            break
        loss, _ = module.objective(train[int(torch.randint(len(train), (1,), generator=order))], side)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(parameters, clip)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    print(f"after {args.steps} steps: carried share y {read['y']:.3f}  x {read['x']:.3f}  onset {read['onset']:.3f}  held-out energy {read['energy']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
