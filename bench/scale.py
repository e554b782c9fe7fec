"""Benchmark: the clerk's operations against stores of 100 to 39,000 messages (issue 15, item 4).

Run: `python bench/scale.py [--sizes 100,4000,13000,39000] [--repeat 3] [--json]`. Not a test:
it prints. Loopback only. It runs this checkout's code (`python -m cchc` with the checkout as
working directory and first on PYTHONPATH), whatever cchc the interpreter has installed.

The stores: an office of 3,300 units reporting four periods a year from 2024 on, with
corrections, strangers' mail, content matches and unknown senders (about 1,000 review items
at 39,000 messages, the three years 2024-2026). The first 100 messages are real .eml files
(python-docx narrative, openpyxl one-stop table) imported with `cchc import`; the bigger
stores are clones of those rows made in SQLite, then matched and decided again by the program
(`bench/scale_store.py` says how). They are built under a temporary folder, removed at the
end unless `--keep`.

Per size, the median of `--repeat` runs (each run that changes the store on a fresh copy):

- import_new: `cchc import new.eml` of a report not yet stored (a poll with mail);
- import_seen: `cchc import` of a file already imported (its source is known);
- review_assign: `cchc review assign <message-id> <unit>` of an unmatched item in the queue;
- export_compliance: `cchc export compliance --year 2024 -o out.xlsx`
  (the stores fill in arrival order: 2024 is whole from 13,000 messages on, so beyond that
  this export, the year page and status read as much of 2024 and only the other years grow);
- status: `cchc status --period 2024-Q1 --json`; messages: `cchc messages --json`;
- year_page, review_page: one GET of `/year/2024` and of `/review` from `cchc web` on
  127.0.0.1, logged in (`bytes`: the body's size), timed from the request to the body's last
  byte. The server's address space is capped (`--web-memory-mb`), so a page that would take
  all the memory (the review page at 13,000 messages once reached 8.7 GB) fails instead.

CLI figures are the wall time of the whole process. The bare start-up, `python -m cchc
--help`, is measured too and subtracted in the "beyond start-up" rows. An operation that fails
or runs past `--cap` seconds is shown so, once, and skipped at the bigger sizes; past
`--budget` seconds everything left is skipped. The table ends with the growth exponent between
the two largest sizes, log(t2/t1)/log(M2/M1), and issue 15's targets, checked here.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import scale_store as ss

ROOT = ss.ROOT
OPS = (
    "import_new",
    "import_seen",
    "review_assign",
    "export_compliance",
    "review_page",
    "status",
    "messages",
    "year_page",
)
YEAR, PERIOD = ss.FIRST_YEAR, f"{ss.FIRST_YEAR}-Q1"
PASSWORD, PASSWORD_ENV = "mật khẩu đo 2026", "CCHC_WEB_PASSWORD"  # web.password_env's default
REVIEW_KINDS = ("content", "unmatched", "no_attachment")
Attempt = Callable[[int], tuple[float, int | None]]  # repetition -> (seconds, bytes)


class Failed(Exception):
    """An operation that gave no figure; the message says why (failed, over cap)."""


@dataclass
class Result:
    op: str
    messages: int
    units: int
    seconds: float | None = None
    bytes: int | None = None
    note: str | None = None  # why there is no figure

    def as_json(self) -> dict[str, object]:
        seconds = round(self.seconds, 4) if self.seconds is not None else None
        return {
            "messages": self.messages,
            "units": self.units,
            "op": self.op,
            "seconds": seconds,
            "bytes": self.bytes,
        }


@dataclass
class Store:
    messages: int
    folder: Path  # db.sqlite and config.toml: never changed once built
    events: list[ss.Event]

    @property
    def review_items(self) -> int:
        return sum(1 for e in self.events if e.kind in REVIEW_KINDS)

    @property
    def mb(self) -> float:
        return (self.folder / "db.sqlite").stat().st_size / 1e6


# --- the staff web page: `cchc web` in a child, and a browser reduced to cookies -------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class WebServer:
    """`python -m cchc web` on a free loopback port with at most `memory_mb` of address space
    (RLIMIT_AS): a page that would need more fails instead of taking the machine's memory."""

    def __init__(self, config: str, memory_mb: int, log: Path) -> None:
        self.port = free_port()
        limit = memory_mb * 1024 * 1024

        def cap_memory() -> None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cchc", "web", "--config", config, "--port", str(self.port)],
                cwd=ROOT,
                env=ss.project_env() | {PASSWORD_ENV: PASSWORD},
                stdout=out,
                stderr=out,
                start_new_session=True,
                preexec_fn=cap_memory,  # this process starts no threads: safe after fork
            )
        deadline = time.monotonic() + 60
        while not self._accepts():
            if not self.alive or time.monotonic() > deadline:
                self.stop()
                raise Failed(f"failed: `cchc web` did not start (see {log})")
            time.sleep(0.1)

    def _accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.alive:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


class PageClient:
    """One logged-in staff member: the session cookie, and one request at a time."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: bytes | None = None
    ) -> tuple[int, bytes, float]:
        """(status, body, seconds from sending the request to the body's last byte)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            reply = conn.getresponse()
            data = reply.read()
            seconds = time.perf_counter() - started
        finally:
            conn.close()
        for name, value in reply.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return reply.status, data, seconds

    def login(self) -> None:
        """Through the form, as tests/web/conftest.py does: its token, then the password."""
        status, page, _ = self.request("GET", "/login")
        token = re.search(rb'name="csrf" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise Failed(f"failed: no login form (HTTP {status})")
        form = {"csrf": token.group(1).decode(), "user": "Cán bộ đo", "password": PASSWORD}
        status, _, _ = self.request("POST", "/login", urlencode(form | {"next": "/"}).encode())
        if status != 303:
            raise Failed(f"failed: login refused (HTTP {status})")

    def get(self, path: str) -> tuple[float, int]:
        status, data, seconds = self.request("GET", path)
        if status != 200:
            raise Failed(f"failed: HTTP {status}")
        return seconds, len(data)


# --- the runs ------------------------------------------------------------------------------------


@dataclass
class Bench:
    work: Path
    repeat: int
    cap: float
    budget: float
    web_memory_mb: int
    units: list[ss.UnitSpec]
    emit: Callable[[Result], None]
    started: float = field(default_factory=time.perf_counter)
    gave_up: dict[str, str] = field(default_factory=dict)  # op -> why: skipped at bigger sizes

    @property
    def units_file(self) -> Path:
        return self.work / "units.toml"

    @property
    def archive(self) -> Path:
        return self.work / "archive"

    def log(self, text: str) -> None:
        print(f"[{time.perf_counter() - self.started:5.0f} s] {text}", file=sys.stderr, flush=True)

    def cchc(self, *args: str) -> float:
        """Wall time of `python -m cchc ARGS` ending with exit code 0 or 1 (1: "something to
        look at", e.g. a review queue); Failed otherwise, or past the cap."""
        out, err = self.work / f"{args[0]}.out", self.work / f"{args[0]}.err"
        with open(out, "wb") as fo, open(err, "wb") as fe:
            started = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "cchc", *args],
                cwd=ROOT,
                env=ss.project_env(),
                stdout=fo,
                stderr=fe,
                start_new_session=True,
            )
            # Popen.wait(timeout=) polls every 50 ms: a watchdog thread keeps the wait exact
            watchdog = threading.Timer(self.cap, os.killpg, (proc.pid, signal.SIGKILL))
            watchdog.start()
            code = proc.wait()
            seconds = time.perf_counter() - started
            watchdog.cancel()
            if seconds >= self.cap:
                raise Failed(f"over cap ({self.cap:.0f} s)")
        if code not in (0, 1):
            lines = err.read_text(errors="replace").strip().splitlines() or ["(no message)"]
            raise Failed(f"failed (exit {code}): {lines[-1][:160]}")
        return seconds

    def fresh(self, store: Store) -> str:
        """The configuration of a fresh copy of the store (the next run may change it)."""
        run = self.work / "run"
        config = ss.write_config(run, self.units_file, self.archive)
        ss.copy_store(store.folder / "db.sqlite", run / "db.sqlite")
        return str(config)

    def build(self, sizes: list[int]) -> list[Store]:
        """The seed imported for real, then each bigger store cloned from the one before."""
        self.units_file.write_text(ss.units_toml(self.units), encoding="utf-8")
        events = ss.stream(max(sizes))
        seed = events[: ss.SEED]
        folder = self.work / f"m{ss.SEED}"
        t = time.perf_counter()
        config = ss.write_config(folder, self.units_file, self.archive)
        done = ss.import_seed(config, self.work / "seed", seed, self.units)
        if done.returncode not in (0, 1):
            raise SystemExit(f"importing the seed failed: {done.stderr[-2000:]}")
        ss.checkpoint(folder / "db.sqlite")
        self.log(f"M={ss.SEED}: generated and imported in {time.perf_counter() - t:.1f} s")
        stores = [Store(ss.SEED, folder, seed)]
        for size in sorted(s for s in sizes if s > ss.SEED):
            t = time.perf_counter()
            before = stores[-1]
            folder = self.work / f"m{size}"
            config = ss.write_config(folder, self.units_file, self.archive)
            ss.copy_store(before.folder / "db.sqlite", folder / "db.sqlite")
            todo = events[before.messages : size]
            ss.clone_events(folder / "db.sqlite", self.archive, todo, seed, self.units)
            changed = ss.finish_store(config)
            ss.checkpoint(folder / "db.sqlite")
            stores.append(Store(size, folder, events[:size]))
            self.log(
                f"M={size}: {len(todo)} clones added, matched and decided again in "
                f"{time.perf_counter() - t:.1f} s (matching again changed {changed})"
            )
        return [s for s in stores if s.messages in sizes]

    def measure(self, op: str, store: Store, attempt: Attempt) -> Result:
        """The median of `repeat` attempts; the first failure ends them, and the operation is
        then skipped at the bigger sizes."""
        result = Result(op, store.messages, len(self.units))
        if op in self.gave_up:
            result.note = f"skipped: {self.gave_up[op]}"
        elif time.perf_counter() - self.started > self.budget:
            result.note = f"skipped: past the {self.budget:.0f} s budget"
        else:
            samples = []
            try:
                for rep in range(self.repeat):
                    samples.append(attempt(rep))
            except Failed as exc:
                result.note = str(exc)
                self.gave_up[op] = f"{exc} at M={store.messages:,}"
            else:
                result.seconds = statistics.median(s for s, _ in samples)
                result.bytes = samples[-1][1]
        self.log(f"M={store.messages} {op}: {result.note or cell(result)}")
        self.emit(result)
        return result

    def startup(self) -> float:
        """The bare start-up of the command line: `python -m cchc --help`."""
        self.cchc("--help")  # the file cache warm, as for every measured run
        return statistics.median(self.cchc("--help") for _ in range(max(3, self.repeat)))

    def cli_ops(self, store: Store) -> list[Result]:
        new = next(e for e in ss.events() if e.index >= store.messages and e.kind == "report")
        seen = str(self.work / "seed" / "ev-000003.eml")
        unmatched = [e for e in store.events if e.kind == "unmatched"][-1].message_id
        unit = self.units[-1].code

        def import_new(rep: int) -> tuple[float, int | None]:
            config = self.fresh(store)
            path = self.work / f"new-{rep}.eml"
            path.write_bytes(ss.message(new, self.units, tag=f" (lần đo {rep})"))
            seconds = self.cchc("import", "--config", config, str(path))
            if stored(config, new.message_id) != 1:
                raise Failed("failed: the new message was not stored")
            return seconds, None

        def import_seen(rep: int) -> tuple[float, int | None]:
            return self.cchc("import", "--config", self.fresh(store), seen), None

        def assign(rep: int) -> tuple[float, int | None]:
            return self.cchc(
                "review", "assign", "--config", self.fresh(store), unmatched, unit
            ), None

        out = [
            self.measure("import_new", store, import_new),
            self.measure("import_seen", store, import_seen),
            self.measure("review_assign", store, assign),
        ]
        config = self.fresh(store)  # read only from here on
        xlsx = str(self.work / "compliance.xlsx")
        for op, args in (
            ("export_compliance", ["export", "compliance", "--year", str(YEAR), "-o", xlsx]),
            ("status", ["status", "--period", PERIOD, "--json"]),
            ("messages", ["messages", "--json"]),
        ):
            out.append(self.measure(op, store, self.read_only(*args, "--config", config)))
        return out

    def read_only(self, *args: str) -> Attempt:
        return lambda rep: (self.cchc(*args), None)

    def page_ops(self, store: Store) -> list[Result]:
        """year_page, then review_page, from one `cchc web` over a copy of the store (started
        again if a page killed it)."""
        server: WebServer | None = None
        client = PageClient(0, self.cap)

        def get(path: str) -> Attempt:
            def attempt(rep: int) -> tuple[float, int | None]:
                nonlocal server, client
                if server is None or not server.alive:
                    server = WebServer(self.fresh(store), self.web_memory_mb, self.work / "web.log")
                    client = PageClient(server.port, self.cap)
                    client.login()
                try:
                    return client.get(path)
                except TimeoutError:
                    server.stop()
                    raise Failed(f"over cap ({self.cap:.0f} s)") from None
                except Failed as exc:  # an HTTP error: a MemoryError under the cap gives 500
                    raise Failed(
                        f"{exc} (address space capped at {self.web_memory_mb} MB)"
                    ) from None
                except (OSError, http.client.HTTPException) as exc:
                    died = not server.alive
                    raise Failed(f"failed: {'the server died' if died else exc}") from None

            return attempt

        try:
            return [
                self.measure("year_page", store, get(f"/year/{YEAR}")),
                self.measure("review_page", store, get("/review")),
            ]
        finally:
            if server is not None:
                server.stop()


def stored(config: str, message_id: str) -> int:
    """How many stored messages have this Message-ID (read straight from the store)."""
    conn = sqlite3.connect(Path(config).parent / "db.sqlite")
    try:
        row = conn.execute("SELECT COUNT(*) FROM messages WHERE message_id = ?", (message_id,))
        return int(row.fetchone()[0])
    finally:
        conn.close()


# --- the table ------------------------------------------------------------------------------------


def cell(r: Result | None) -> str:
    if r is None:
        return "—"
    if r.seconds is None:
        return (r.note or "—").split(":")[0].split(" (")[0]
    text = f"{r.seconds:.2f} s"
    if r.bytes is not None:
        text += f", {r.bytes / 1e6:.2f} MB" if r.bytes >= 100_000 else f", {r.bytes / 1e3:.0f} KB"
    return text


def exponent(by_size: dict[int, Result]) -> float | None:
    """log(t2/t1)/log(M2/M1) between the two largest sizes, when both have a figure."""
    sizes = sorted(by_size)[-2:]
    if len(sizes) < 2:
        return None
    t1, t2 = (by_size[m].seconds for m in sizes)
    if not t1 or not t2:
        return None
    return math.log(t2 / t1) / math.log(sizes[1] / sizes[0])


def _verdict(ok: bool | None) -> str:
    return "n/a   " if ok is None else "met   " if ok else "MISSED"


def targets(table: dict[str, dict[int, Result]], stores: list[Store], startup: float) -> list[str]:
    """Issue 15's targets, on the smallest and the largest store measured."""
    small, large = stores[0].messages, stores[-1].messages
    out = []
    for op, factor in (("import_new", 1.5), ("review_assign", 2.0)):
        a, b = table[op][small].seconds, table[op][large].seconds
        text = f"{b:.2f} s / {a:.2f} s = {b / a:.1f}x" if a and b else "not measured"
        ok = b <= factor * a if a and b else None
        out.append(f"  {_verdict(ok)}  {op} at M={large:,} within {factor}x of M={small:,}: {text}")
    beyond = {m: r.seconds - startup for m, r in table["import_seen"].items() if r.seconds}
    worst = max(beyond.items(), key=lambda kv: kv[1]) if beyond else None
    ok = worst[1] < 0.2 and len(beyond) == len(stores) if worst else None
    text = f"worst {worst[1]:.2f} s, at M={worst[0]:,}" if worst else "not measured"
    out.append(f"  {_verdict(ok)}  import_seen under 0.2 s beyond start-up at every size: {text}")
    page = table["review_page"][large]
    ok = page.seconds < 0.5 and (page.bytes or 0) < 1e6 if page.seconds else None
    text = cell(page) if page.seconds else page.note or "not measured"
    items = f"{stores[-1].review_items:,} items, {ss.UNITS:,} units"
    out.append(f"  {_verdict(ok)}  review page ({items}) under 0.5 s and 1 MB: {text}")
    export = table["export_compliance"][large].seconds
    ok = export < 5 if export else None
    text = f"{export:.2f} s" if export else "not measured"
    what = f"{ss.UNITS:,} units x 4 periods of {YEAR}"
    out.append(f"  {_verdict(ok)}  export compliance ({what}) under 5 s: {text}")
    out.append("  (an empty poll needs IMAP: not measured here, see bench/ingest_imap.py)")
    return out


def _row(label: str, cells: list[str], last: str = "") -> str:
    return f"{label:<20}" + "".join(f"{c:>20}" for c in cells) + f"{last:>10}"


def render(
    results: list[Result], stores: list[Store], startup: float, repeat: int, total: float
) -> str:
    """The human table: operations × sizes, the growth exponent, the targets, what failed."""
    table: dict[str, dict[int, Result]] = {op: {} for op in OPS}
    for r in results:
        table[r.op][r.messages] = r
    sizes = [s.messages for s in stores]
    lines = [
        f"cchc scale benchmark: median of {repeat}; CLI: wall time of the whole process; "
        "pages: one GET, logged in",
        *(
            f"  M={s.messages:,}: {s.mb:.0f} MB store, {s.review_items:,} review items"
            for s in stores
        ),
        f"start-up (python -m cchc --help): {startup:.2f} s",
        "",
        _row("operation", [f"M={m:,}" for m in sizes], "exponent"),
    ]
    for op in OPS:
        growth = exponent(table[op])
        cells = [cell(table[op].get(m)) for m in sizes]
        lines.append(_row(op, cells, f"{growth:.2f}" if growth is not None else "—"))
        if op in ("import_new", "import_seen"):
            times = [table[op][m].seconds for m in sizes]
            beyond = [f"{t - startup:.2f} s" if t else "—" for t in times]
            lines.append(_row("  beyond start-up", beyond))
    lines += ["", "targets (issue 15):", *targets(table, stores, startup)]
    notes = [f"  M={r.messages:,} {r.op}: {r.note}" for r in results if r.note]
    if notes:
        lines += ["", "without a figure:", *notes]
    lines.append(f"\ntotal run time {total:.0f} s, building the stores included")
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    ap.add_argument("--sizes", default="100,4000,13000,39000", help="store sizes (messages)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure (their median)")
    ap.add_argument("--json", action="store_true", help="one JSON object a line on stdout")
    ap.add_argument("--cap", type=float, default=120.0, help="seconds before a run is stopped")
    ap.add_argument("--budget", type=float, default=660.0, help="seconds, then the rest is skipped")
    ap.add_argument("--web-memory-mb", type=int, default=4096, help="the page's address space")
    ap.add_argument("--keep", action="store_true", help="keep the stores (the folder is said)")
    args = ap.parse_args()
    args.sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",")})
    if args.sizes[0] < ss.SEED:
        ap.error(f"the smallest store is the real import of {ss.SEED} messages")
    return args


def main() -> None:
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="cchc-scale-"))
    units = ss.make_units()

    def emit(r: Result) -> None:
        if args.json:
            print(json.dumps(r.as_json()), flush=True)

    bench = Bench(work, args.repeat, args.cap, args.budget, args.web_memory_mb, units, emit)
    results: list[Result] = []
    stores: list[Store] = []
    try:
        compile_ = [sys.executable, "-m", "compileall", "-q", "cchc", "ingest", "parsers", "store"]
        subprocess.run(compile_, cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
        startup = bench.startup()
        bench.log(f"start-up (python -m cchc --help): {startup:.2f} s")
        for store in bench.build(args.sizes):
            stores.append(store)
            bench.log(f"M={store.messages}: {store.mb:.0f} MB, {store.review_items} review items")
            results += bench.cli_ops(store) + bench.page_ops(store)
        total = time.perf_counter() - bench.started
        if not args.json:
            print(render(results, stores, startup, args.repeat, total))
    finally:
        if args.keep:
            bench.log(f"stores kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
