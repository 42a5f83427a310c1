"""Lab notebook: train one design for a fixed budget, probe it beside both controls, log one row.

    python benchmarks/lab.py --name unet_rich --data data/rich --probes data/demo/probes_dev \
        --other-look data/demo/probes_dev_swapped -- -c configs/pixel_unet.yaml --trainer.max_steps 1500

Everything after ``--`` goes to ``physpred fit`` as it is; the script adds the run folder
(``runs/lab/<name>``), a CSV logger and ``--data.root``. Then ``physpred probe`` scores the
model on the dev probes, on the same probes in another look (if given), and the untrained and
copy-last controls on the dev probes, and one row is appended to ``benchmarks/results.csv``
(columns: :data:`COLUMNS`). Choices are made on the dev probes; ``--test-probes DIR`` also
scores the model and both controls on the test probes (``probe_test``, ``probe_test_untrained``,
``probe_test_copy_last``) for the final table and logs them in the ``test_*`` columns.

A decomposition row trains nothing: ``--perception FILE --trained-in RUN`` scores the object
model of ``runs/lab/RUN`` and its untrained control on slots from another perception
(``physpred probe --perception``), e.g. a model trained on the world's masks on slots found
without labels; ``--energy FILE`` prices its expectations with another energy
(``physpred probe --energy``), ``--scoring FILE`` with other scoring options (``physpred probe
--scoring``); the fit arguments after ``--`` are RUN's, for the row's command.

The last line printed is the row's headline: overall pairwise accuracy and the O1 "vanish"
expectation rate.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).with_name("results.csv")
BLOCKS = ("O1", "O2", "O3", "G1", "S1", "I1")
COLUMNS = (
    "name", "change", "steps", "minutes", "energy_vs_copy_last", "latent_gain_val",
    "latent_gain_probe", "candidate_acc", "expect_O1_vanish", "q_O1", "expect_mean",
    *(f"pair_{b}" for b in BLOCKS), "pair_all", *(f"quad_{b}" for b in ("O1", "O2", "O3")),
    "quad_all", "pair_other_look", "other_look", "control_untrained", "control_copy_last", "worst_event",
    "commit", "command", "test_probes", "test_pair_all", "test_pair_blocks", "test_expect_O1_vanish",
    "test_control_untrained", "test_control_copy_last",
)  # fmt: skip


def _run(command: list[str]) -> None:
    print("+", shlex.join(command), flush=True)
    subprocess.run(command, check=True)


def _last_validation(metrics_csv: Path) -> dict[str, float]:
    """The last row of a CSVLogger's metrics.csv that holds ``val/energy``, and the last step."""
    rows = list(csv.DictReader(metrics_csv.open()))
    val = [r for r in rows if r.get("val/energy")]
    if not val:
        raise SystemExit(f"{metrics_csv}: no validation row; let the run reach val_check_interval")
    out = {k: float(v) for k, v in val[-1].items() if v}
    out["steps"] = max(int(float(r["step"])) for r in rows if r.get("step")) + 1
    return out


def _probe(ckpt: Path, data: Path, out: Path, stride: int, extra: list[str], reuse: bool = False) -> dict:
    """``physpred probe`` into ``out``, unless a report newer than the checkpoint is there
    (or any report, with ``reuse``: another run's controls)."""
    report = out / "report.json"
    if not report.is_file() or (not reuse and report.stat().st_mtime < ckpt.stat().st_mtime):
        _run(["physpred", "probe", "--ckpt_path", str(ckpt), "--data", str(data), "--out", str(out),
              "--stride", str(stride), *extra])  # fmt: skip
    return json.loads(report.read_text())


def _scored_on(out: Path, data: Path) -> bool:
    """Whether ``out`` holds a ``physpred probe`` report of the probes in ``data``."""
    report = out / "report.json"
    return report.is_file() and Path(json.loads(report.read_text())["data"]).resolve() == data.resolve()


def _expected_mass(expectation: dict) -> float | None:
    """q = (1 + vanish / appear) / 2: how much of the hidden object the model expects back.

    With a deterministic predictor the O1 "vanish" pair differs by about (2q - 1) P in the
    violation windows and the "appear" pair by about P (P: the cost of an unexpected object);
    q = 0: no memory of the hidden object, 0.5: the vanish pair ties, 1: full expectation.
    """
    vanish, appear = (expectation.get(f"O1/{e}", {}).get("delta_violation") for e in ("vanish", "appear"))
    return None if vanish is None or not appear else (1 + vanish / appear) / 2


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _row(args: argparse.Namespace, fit: list[str], run: Path, trained: Path) -> dict[str, str]:
    """The row of the model trained in ``trained``, probed into ``run`` (the same folder, or a
    decomposition's: ``--perception``, ``--energy``, ``--scoring``)."""
    metrics_csv = max(trained.glob("lab/version_*/metrics.csv"))
    val = _last_validation(metrics_csv)
    ckpt = trained / "model.ckpt"
    # the fit's wall time: from the saved config (written at the start) to the last checkpoint
    minutes = (ckpt.stat().st_mtime - (metrics_csv.parent / "config.yaml").stat().st_mtime) / 60
    parts = (("perception", args.perception), ("energy", args.energy), ("scoring", args.scoring), ("frame_size", args.frame_size))
    swap = [word for part, value in parts if value for word in (f"--{part}", str(value))]
    model = _probe(ckpt, args.probes, run / "probe_dev", args.stride, swap)
    # an identical configuration gives an identical untrained network (seed 0): its controls hold
    controls = Path("runs/lab") / args.controls_from if args.controls_from else run
    reuse = controls != run
    untrained = _probe(ckpt, args.probes, controls / "probe_untrained", args.stride, ["--baseline", "untrained", *swap], reuse)
    # copy-last repeats pixels: no swapped part changes it, so a decomposition takes its trained
    # run's where that scored the same probes
    pixels = controls if args.controls_from or not _scored_on(trained / "probe_copy_last", args.probes) else trained
    copy_last = _probe(ckpt, args.probes, pixels / "probe_copy_last", args.stride, ["--baseline", "copy-last"], pixels != run)
    other = (
        _probe(ckpt, args.other_look, run / "probe_other_look", args.stride, [])
        if args.other_look else None
    )  # fmt: skip
    expectation = model.get("expectation", {})
    events = model.get("events", {})
    worst = min(events, key=lambda e: events[e]["pairwise_acc_mean"] or 0.0) if events else ""
    blocks = model["blocks"]
    rates = [e["expectation_rate"] for e in expectation.values()]
    row = {
        "name": args.name,
        "change": args.change,
        "steps": str(int(val["steps"])),
        "minutes": f"{minutes:.1f}",
        "energy_vs_copy_last": _cell(val["val/energy"] / val["val/energy_copy_last"]),
        # an object model has no latent and no candidates: those cells stay empty
        "latent_gain_val": _cell(1 - val["val/energy"] / val["val/energy_prior"]) if "val/energy_prior" in val else "",
        "latent_gain_probe": _cell(model.get("latent", {}).get("gain")),
        "candidate_acc": _cell(val.get("val/candidate_acc")),
        "expect_O1_vanish": _cell(expectation.get("O1/vanish", {}).get("expectation_rate")),
        "q_O1": _cell(_expected_mass(expectation)),
        "expect_mean": _cell(sum(rates) / len(rates)) if rates else "",
        **{f"pair_{b}": _cell(blocks.get(b, {}).get("pairwise_acc_mean")) for b in BLOCKS},
        "pair_all": _cell(model["overall"]["pairwise_acc_mean"]),
        **{f"quad_{b}": _cell(blocks.get(b, {}).get("quad_acc")) for b in ("O1", "O2", "O3")},
        "quad_all": _cell(model["overall"]["quad_acc"]),
        "pair_other_look": _cell(other["overall"]["pairwise_acc_mean"]) if other else "",
        "other_look": str(args.other_look or ""),
        "control_untrained": _control_cell(untrained),
        "control_copy_last": _control_cell(copy_last),
        "worst_event": f"{worst} {_cell(events[worst]['pairwise_acc_mean'])}" if worst else "",
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip(),
        "command": shlex.join(["physpred", "fit", *fit]) + (f" && physpred probe {shlex.join(swap)}" if swap else ""),
    }
    if args.test_probes:
        # the test controls of --controls-from where it scored them, else this run's own
        held = controls if _scored_on(controls / "probe_test_untrained", args.test_probes) else run
        # and, as on the dev probes, a decomposition's copy-last from its trained run
        pixels = trained if held == run and _scored_on(trained / "probe_test_copy_last", args.test_probes) else held
        row |= columns_of_test_probes(
            args.test_probes,
            _probe(ckpt, args.test_probes, run / "probe_test", args.stride, swap),
            _probe(ckpt, args.test_probes, held / "probe_test_untrained", args.stride, ["--baseline", "untrained", *swap], held != run),
            _probe(ckpt, args.test_probes, pixels / "probe_test_copy_last", args.stride, ["--baseline", "copy-last"], pixels != run),
        )  # fmt: skip
    return row


def _control_cell(report: dict) -> str:
    """A control's block accuracy farthest from chance (it must stay within 0.5 +- 0.1)."""
    values = [b["pairwise_acc_mean"] for b in report["blocks"].values() if b["pairwise_acc_mean"] is not None]
    return _cell(max(values, key=lambda v: abs(v - 0.5))) if values else ""


def columns_of_test_probes(probes: Path, model: dict, untrained: dict, copy_last: dict) -> dict[str, str]:
    """The ``test_*`` cells of a row from the ``physpred probe`` reports of the model and its
    two controls on the test probes in ``probes``."""
    blocks = model["blocks"]
    return {
        "test_probes": str(probes),
        "test_pair_all": _cell(model["overall"]["pairwise_acc_mean"]),
        "test_pair_blocks": " ".join(f"{name} {_cell(blocks[name]['pairwise_acc_mean'])}" for name in sorted(blocks)),
        "test_expect_O1_vanish": _cell(model.get("expectation", {}).get("O1/vanish", {}).get("expectation_rate")),
        "test_control_untrained": _control_cell(untrained),
        "test_control_copy_last": _control_cell(copy_last),
    }


def log_row(row: dict[str, str], results: Path = RESULTS) -> bool:
    """Write ``row`` to ``results`` (header first when new), atomically, at the end; or, for a run
    logged again (``--skip-fit``, e.g. with ``--test-probes``), over the row of the same name:
    its cells filled anew, those ``row`` leaves empty (a ``--change`` not given again) kept, and
    its commit kept (the code the fit ran). Returns whether a row was updated."""
    rows = list(csv.DictReader(results.open())) if results.is_file() else []
    names = [old["name"] for old in rows]
    replaced = row["name"] in names
    if replaced:
        old = rows[names.index(row["name"])]
        rows[names.index(row["name"])] = old | {key: value for key, value in row.items() if value} | {"commit": old["commit"] or row["commit"]}
    else:
        rows.append(row)
    temporary = results.with_name(f".{results.name}.{os.getpid()}.tmp")
    with temporary.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(temporary, results)
    return replaced


def main(argv: list[str]) -> int:
    if "--" not in argv:
        raise SystemExit("usage: lab.py --name NAME --data DIR --probes DIR [...] -- FIT ARGS")
    split = argv.index("--")
    parser = argparse.ArgumentParser(prog="lab.py")
    parser.add_argument("--name", required=True, help="row name; the run goes to runs/lab/NAME")
    parser.add_argument("--change", default="", help="the one change this row measures")
    parser.add_argument("--data", type=Path, required=True, help="training videos (cached)")
    parser.add_argument("--probes", type=Path, required=True, help="dev probes")
    parser.add_argument(
        "--other-look", type=Path, help="the dev probes in a look never trained on (logged as other_look)"
    )
    parser.add_argument(
        "--test-probes", type=Path,
        help="also score the model and both controls on these test probes (logged as test_*)",
    )  # fmt: skip
    parser.add_argument("--stride", type=int, default=8, help="probe window stride (default 8)")
    parser.add_argument(
        "--controls-from", help="reuse the controls of this run (same architecture and geometry)"
    )
    parser.add_argument(
        "--skip-fit", action="store_true",
        help="log the row of an existing run (probes newer than its checkpoint are reused; "
        "a row of the same name is updated)",
    )  # fmt: skip
    parser.add_argument(
        "--perception", type=Path,
        help="a decomposition: score the model of run --trained-in (and its untrained control) "
        "on slots from this perception (physpred probe --perception); no training",
    )  # fmt: skip
    parser.add_argument(
        "--energy", type=Path,
        help="a decomposition: score the model of run --trained-in (and its untrained control) "
        "with this energy (physpred probe --energy); no training",
    )  # fmt: skip
    parser.add_argument(
        "--scoring", type=Path,
        help="a decomposition: score the model of run --trained-in (and its untrained control) "
        "with these scoring options (physpred probe --scoring); no training",
    )  # fmt: skip
    parser.add_argument(
        "--frame-size", type=int,
        help="read the probes at this frame side (physpred probe --frame_size; an object model's "
        "own and untrained controls; copy-last at the model's size); with --trained-in, a "
        "decomposition: no training",
    )  # fmt: skip
    parser.add_argument("--trained-in", help="with --perception, --energy, --scoring or --frame-size: the lab run whose model is scored")
    args = parser.parse_args(argv[:split])
    parts_given = any(path is not None for path in (args.perception, args.energy, args.scoring))
    if parts_given and args.trained_in is None:
        parser.error("--perception, --energy and --scoring score the model of another run: name it with --trained-in")
    if args.trained_in is not None and not (parts_given or args.frame_size):
        parser.error("--trained-in goes with --perception, --energy, --scoring or --frame-size (or several)")
    swapped = args.trained_in is not None  # a decomposition: no training
    run = Path("runs/lab") / args.name
    trained = Path("runs/lab") / args.trained_in if args.trained_in else run
    if not args.skip_fit and RESULTS.is_file() and any(row["name"] == args.name for row in csv.DictReader(RESULTS.open())):
        parser.error(f"--name {args.name}: {RESULTS} has a row of that name; choose another name, or --skip-fit to update it")
    if args.controls_from and not (Path("runs/lab") / args.controls_from / "probe_untrained" / "report.json").is_file():
        parser.error(f"--controls-from {args.controls_from}: runs/lab/{args.controls_from} holds no scored controls (a fresh checkout?); leave the option out to score them")
    if swapped and not (trained / "model.ckpt").is_file():
        parser.error(f"--trained-in {args.trained_in}: no runs/lab/{args.trained_in}/model.ckpt; train it first (lab.py --name {args.trained_in})")
    fit = [*argv[split + 1 :], "--data.root", str(args.data),
           "--trainer.default_root_dir", str(trained),
           "--trainer.logger", "pytorch_lightning.loggers.CSVLogger",
           "--trainer.logger.save_dir", str(trained), "--trainer.logger.name", "lab"]  # fmt: skip
    if not args.skip_fit and not swapped:
        _run(["physpred", "fit", *fit])
    row = _row(args, fit, run, trained)
    if log_row(row):
        print(f"{RESULTS}: the row {args.name} was there and is updated")
    print(json.dumps(row, indent=1))
    print(f"{args.name}: pairwise_acc_mean {row['pair_all']}, O1 vanish expectation {row['expect_O1_vanish']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
