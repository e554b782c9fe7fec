"""Benchmark: the full parse of the sample case's attachments against the bare library open.

Run: `python bench/parse.py [--repeat N]`. Not a test: it prints figures.

For every .docx and every workbook (.xlsx/.xlsm/.xls) of tests/data/cases/daksong-2024 it
times, in the same run and process:

- full: `parsers.registry.parse_attachment` (sniff, guards, read, outline, one-stop table,
  checks) — falling back to `sheets.read_grids` + `onestop.parse_onestop` for workbooks if
  the registry cannot be imported;
- bare: the library's own default open of the same bytes, `docx.Document(BytesIO)` or
  `openpyxl.load_workbook(BytesIO)` (`xlrd.open_workbook` for .xls).

Each file is timed `--repeat` times and its median kept; the figures are the median and p95
over files, their ratio (target: full within 3x of bare, median and p95) and the peak RSS
of the process (`resource.getrusage`, KiB on Linux).
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from casedata import case_attachments  # noqa: E402

TARGET = 3.0


def _full_parser() -> tuple[str, Callable[[str, bytes], object]]:
    try:
        from parsers.registry import parse_attachment

        return "parsers.registry.parse_attachment", lambda name, data: parse_attachment(name, data)
    except ImportError:
        from parsers.onestop import parse_onestop
        from parsers.sheets import read_grids

        def grids_and_table(name: str, data: bytes) -> object:
            return parse_onestop(read_grids(data, name.rsplit(".", 1)[-1].lower()))

        return "sheets.read_grids + onestop.parse_onestop (registry unavailable)", grids_and_table


def _bare_open(ext: str) -> Callable[[bytes], object]:
    if ext == "docx":
        import docx

        return lambda data: docx.Document(io.BytesIO(data))
    if ext == "xls":
        import xlrd

        return lambda data: xlrd.open_workbook(file_contents=data)
    import openpyxl

    return lambda data: openpyxl.load_workbook(io.BytesIO(data))


def _time(fn: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="timings per file (median kept)")
    args = ap.parse_args(argv)
    label, full = _full_parser()
    groups = {"docx": ("docx",), "xlsx": ("xlsx", "xlsm", "xls")}
    results: dict[str, tuple[list[float], list[float]]] = {g: ([], []) for g in groups}
    for att in case_attachments():
        ext = att.filename.rsplit(".", 1)[-1].lower()
        group = next((g for g, exts in groups.items() if ext in exts), None)
        if group is None:
            continue
        bare = _bare_open(ext)
        try:
            bare(att.data)
        except Exception:  # noqa: BLE001 - a corrupt/hostile file: the bare open cannot be timed
            continue
        full(att.filename, att.data)  # warm-up: imports, spec cache
        results[group][0].append(_time(partial(full, att.filename, att.data), args.repeat))
        results[group][1].append(_time(partial(bare, att.data), args.repeat))
    print(f"full parse: {label}; repeat {args.repeat}, median per file\n")
    print(
        f"{'kind':6} {'files':>5} {'full med':>9} {'full p95':>9} {'bare med':>9} "
        f"{'bare p95':>9} {'ratio med':>9} {'ratio p95':>9}"
    )
    ok = True
    for group, (fulls, bares) in results.items():
        if not fulls:
            continue
        fm, fp, bm, bp = (
            statistics.median(fulls) * 1e3,
            _p95(fulls) * 1e3,
            statistics.median(bares) * 1e3,
            _p95(bares) * 1e3,
        )
        rm, rp = fm / bm, fp / bp
        ok &= rm <= TARGET and rp <= TARGET
        print(
            f"{group:6} {len(fulls):5d} {fm:8.2f}ms {fp:8.2f}ms {bm:8.2f}ms {bp:8.2f}ms "
            f"{rm:9.2f} {rp:9.2f}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"\npeak RSS: {peak / 1024:.1f} MiB; target full <= {TARGET:g}x bare: "
        f"{'met' if ok else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
