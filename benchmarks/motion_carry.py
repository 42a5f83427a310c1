"""How much of a thing's move an object model foresees one read frame ahead, axis by axis.

    python benchmarks/motion_carry.py --ckpt RUN/model.ckpt --videos data/demo/train [--kinds fall,support,bounce]

For every object slot seen in three successive read frames of a training clip whose place
changes by more than ``--min-move`` (fraction of the frame side) from the middle frame to the
last, this compares the true change with the change the next-frame prediction makes from the
middle frame and with the change the slot made the frame before (what coasting would foresee).
Each is summarised as its least-squares share of the true change: 1 foresees the move, 0
predicts the thing where it was seen last. A dynamics that carries a horizontal roll but not a
fall shows a share near the coasting one on x and near 0 on y (the label-free and with-masks
recipes alike); a fall can be foreseen only by a model that carries vertical moves at all.
``--kinds`` keeps the videos of those scene kinds (``manifest.jsonl``'s ``kind``). ``--scenery``
reads the moves of screen and wall slots instead of the objects' (with the world's masks a screen
rises, lowers or slides and a slab slides away: moves a dynamics may learn from too).
``--perception FILE`` reads the slots another way (a perception YAML, as ``physpred probe
--perception``), the dynamics kept as trained: a dynamics trained on label-free slots read on the
world's masks, or the reverse, tells whether a missing carry was learned or is in the percepts.

It also prints the price the training objective puts on each axis' next-frame place (the Cauchy
price at the energy's position scale, summed over the slots seen in three successive frames,
those that moved the step before and those that did not) for predicting the last place seen, for
the prediction, and for the prediction with a share of the last step added: a minimum away from
"+0" is a carry the percepts ask for and the dynamics has not learned (a fit that stopped short),
a minimum at "+0" a carry the percepts themselves do not teach.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import torch

from physpred.data import VideoClipDataset
from physpred.models import CheckpointError, load_model, read_part_file, with_part
from physpred.models.slots.energy import cauchy
from physpred.models.slots.features import FEATURES

SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)
"""Shares of the last step added to the prediction in the price table."""


def seen_three_frames(seen: torch.Tensor, kind: torch.Tensor, kinds: tuple[int, ...]) -> torch.Tensor:
    """(S, K, F) percepts, (K,) slot kinds -> (S - 2, K) bool: slot of ``kinds`` seen at t - 1, t
    and t + 1, for t = 1..S-2."""
    shown = (seen[..., 0] > 0.5) & torch.isin(kind, torch.tensor(kinds, device=kind.device))
    return shown[:-2] & shown[1:-1] & shown[2:]


def moves(seen: torch.Tensor, predicted: torch.Tensor, kind: torch.Tensor, feature: int, min_move: float, kinds: tuple[int, ...] = (1,)) -> torch.Tensor:
    """The moves of slots of ``kinds`` (default: objects) seen in three successive read frames, along one feature.

    Args:
        seen: (S, K, F) percepts of one clip (feature 0 > 0.5: in view).
        predicted: (S - 1, K, F) next-frame predictions made at read frames 0..S-2.
        kind: (K,) slot kinds (1 object, 2 screen, 3 wall).
        feature: index into :data:`FEATURES` (e.g. ``FEATURES.index("y")``).
        min_move: the smallest true change kept (absolute).
        kinds: the slot kinds whose moves are kept.

    Returns:
        (N, 3): the true change from t to t + 1, the predicted one (prediction made at t minus
        what is seen at t) and the last one (t - 1 to t), for t = 1..S-2 and every kept slot.
    """
    kept = seen_three_frames(seen, kind, kinds)
    place = seen[..., feature]
    true = place[2:] - place[1:-1]
    foreseen = predicted[1:, :, feature] - place[1:-1]
    last = place[1:-1] - place[:-2]
    kept = kept & (true.abs() > min_move)
    return torch.stack([true[kept], foreseen[kept], last[kept]], dim=-1)


def share_of_true(changes: torch.Tensor) -> tuple[float, float]:
    """(predicted, last): each column's least-squares share of the true change, sum(t x) / sum(t^2),
    of :func:`moves`' rows (at least one)."""
    true = changes[:, 0]
    power = (true**2).sum()
    return float((true * changes[:, 1]).sum() / power), float((true * changes[:, 2]).sum() / power)


def coasting_prices(
    seen: torch.Tensor,
    predicted: torch.Tensor,
    kind: torch.Tensor,
    feature: int,
    min_move: float,
    scale: float,
    shares: Sequence[float] = SHARES,
    kinds: tuple[int, ...] = (1,),
) -> torch.Tensor:
    """The summed next-frame price of one place feature, for predictions with a share of the last step added.

    Args:
        seen, predicted, kind, feature, kinds: as :func:`moves`.
        min_move: a slot whose last step (t - 1 to t) is larger than this moved.
        scale: the Cauchy price's scale (``SlotEnergy``'s position scale).
        shares: the shares s of the last step added to the prediction.

    Returns:
        (2, 1 + len(shares)): for slots seen at t - 1, t, t + 1 that moved (row 0) and that did
        not (row 1), the summed price log(1 + (e / scale)^2) of predicting the place seen at t
        (column 0), and of the prediction made at t plus s times the last step (the other columns).
    """
    kept = seen_three_frames(seen, kind, kinds)
    place = seen[..., feature]
    target, last = place[2:], place[1:-1] - place[:-2]
    guesses = [place[1:-1]] + [predicted[1:, :, feature] + share * last for share in shares]
    price = torch.stack([cauchy((guess - target)[..., None], scale) for guess in guesses], dim=-1)  # (S - 2, K, columns)
    moved = last.abs() > min_move
    return torch.stack([price[kept & moved].sum(dim=0), price[kept & ~moved].sum(dim=0)])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ckpt", type=Path, required=True, help="an object model (ObjectEnergyModel)")
    parser.add_argument("--videos", type=Path, required=True, help="training videos with manifest.jsonl (physpred world videos)")
    parser.add_argument("--count", type=int, default=600, help="the first videos read (default 600)")
    parser.add_argument("--kinds", help="comma-separated scene kinds kept (default: every kind)")
    parser.add_argument("--min-move", type=float, default=0.01, help="smallest change counted, fraction of the frame side (default 0.01)")
    parser.add_argument("--perception", type=Path, help="read the slots with this perception (YAML) instead of the model's own")
    parser.add_argument("--scenery", action="store_true", help="read the moves of screen and wall slots instead of the objects'")
    args = parser.parse_args(argv)
    manifest = args.videos / "manifest.jsonl"
    if not manifest.is_file():
        parser.error(f"--videos {args.videos}: no manifest.jsonl; make the videos with `physpred world videos`")
    model = load_model(args.ckpt).eval()
    if args.perception is not None:
        try:
            model = with_part(model, "perception", read_part_file("perception", args.perception), args.perception)
        except CheckpointError as err:
            parser.error(str(err))
    geometry = model.geometry
    clips = VideoClipDataset(args.videos, geometry.context_frames, geometry.future_frames, geometry.frame_step, geometry.frame_size, masks=True, seed=0)
    present = {entry.kind for entry in clips.entries if entry.kind}
    wanted = set(args.kinds.split(",")) if args.kinds else None
    if wanted and not wanted <= present:
        parser.error(f"--kinds {args.kinds}: {args.videos} has no {sorted(wanted - present)} (it has {sorted(present)})")
    axes = {axis: FEATURES.index(axis) for axis in ("x", "y")}
    slot_kinds, slot_name = ((2, 3), "screen and wall") if args.scenery else ((1,), "object")
    found: dict[str, list[torch.Tensor]] = {axis: [] for axis in axes}
    scale = model.energy.scales[0]
    prices = {axis: torch.zeros(2, 1 + len(SHARES)) for axis in axes}
    with torch.no_grad():
        for index, entry in enumerate(clips.entries[: args.count]):
            if wanted and entry.kind not in wanted:
                continue
            clip = clips[index]
            _, percepts, rollout, _ = model.movie_rollout(clip.frames, clip.masks, clip.kinds, 1, 0)
            for axis, feature in axes.items():
                found[axis].append(moves(percepts.features[0], rollout.prediction[0], percepts.kind[0], feature, args.min_move, slot_kinds))
                prices[axis] += coasting_prices(percepts.features[0], rollout.prediction[0], percepts.kind[0], feature, args.min_move, scale, kinds=slot_kinds)
    read = f", read with {args.perception}" if args.perception else ""
    print(f"{args.ckpt}: one-step moves of {slot_name} slots in {args.videos} ({args.kinds or 'every kind'}){read}")
    print("  axis  moves  foreseen share  coasting share")
    for axis, parts in found.items():
        changes = torch.cat(parts) if parts else torch.zeros(0, 3)
        if not len(changes):
            print(f"  {axis:<4}  {0:>5}  (none)")
            continue
        foreseen, coasting = share_of_true(changes)
        print(f"  {axis:<4}  {len(changes):>5}  {foreseen:>14.2f}  {coasting:>14.2f}")
    print(f"next-frame place price of {slot_name} slots (Cauchy, scale {scale:g}), summed: the last place seen, the prediction (+0), the prediction plus a share of the last step")
    print("  axis  last step  " + "  ".join(f"{name:>8}" for name in ["last", *(f"+{share:g}" for share in SHARES)]))
    for axis, table in prices.items():
        for name, row in zip(("moved", "still"), table, strict=True):
            print(f"  {axis:<4}  {name:<9}  " + "  ".join(f"{value:>8.1f}" for value in row.tolist()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
