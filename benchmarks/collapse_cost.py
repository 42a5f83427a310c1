"""Forward + backward time of the anti-collapse terms on one CPU thread.

    python benchmarks/collapse_cost.py [--rows 4096] [--dim 64]

Prints one line per term (milliseconds per call, median of 5); the last line is SIGReg's cost
as a multiple of VICReg's.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from physpred.models.collapse import sigreg, vicreg_terms


def _time(term, x: torch.Tensor) -> float:
    times = []
    for _ in range(5):
        y = x.clone().requires_grad_(True)
        start = time.perf_counter()
        value = term(y)
        value.backward()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=4096)
    parser.add_argument("--dim", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(1)
    x = torch.randn(args.rows, args.dim, generator=torch.Generator().manual_seed(0))
    vicreg = _time(lambda y: sum(vicreg_terms(y)), x)
    sig = _time(lambda y: sigreg(y), x)
    every_row = _time(lambda y: sigreg(y, max_rows=args.rows), x)
    print(f"vicreg {vicreg:.1f} ms")
    print(f"sigreg, all {args.rows} rows {every_row:.1f} ms")
    print(f"sigreg, default (at most 512 rows) {sig:.1f} ms")
    print(f"sigreg / vicreg {sig / vicreg:.1f}")


if __name__ == "__main__":
    main()
