"""Benchmark: `cchc ingest` from a real Dovecot against the floor of any parser-based ingest.

Run (as root, Dovecot installed): `python bench/ingest_imap.py [-n 2000]`. Not a test: it prints.

It starts a private Dovecot (tests/integration/dovecot.py), fills INBOX with N report
messages (default 2,000; a .docx and an .xlsx each, ~300 KB: real reports of the sample case
with an embedded photo, every file made unique), lets the maildir settle, then times in the
same run:

- (a) raw download: imaplib `UID FETCH … BODY.PEEK[]` in batches of 100;
- (c) the floor of any parser-based ingest: the same download plus
  `email.message_from_bytes`, `docx.Document()` on each .docx and
  `openpyxl.load_workbook()` on each .xlsx, in one process;
- (b) `python -m cchc ingest` into an empty store (a child process: wall time, peak RSS).

Then the no-op poll (STATUS UIDNEXT/UIDVALIDITY against the stored state; median of 30
spread over 6 s) at N and at 10·N messages (the extra 9·N are small messages, marked done in
the state without ingesting them). Dovecot re-reads a maildir changed in the last seconds on
STATUS/EXAMINE (tens of ms at 20,000 files): that is the server's cost, hence the settling.
Targets: (b) within 1.5× of (c); no-op poll under 50 ms and flat in N; peak RSS under 300 MB.
"""

from __future__ import annotations

import argparse
import email
import imaplib
import io
import os
import random
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from casedata import CASE, case_attachments  # noqa: E402
from integration.dovecot import PASSWORD, USER, Dovecot, available  # noqa: E402

TARGET_RATIO, TARGET_NOOP_MS, TARGET_RSS_MB = 1.5, 50.0, 300.0
SUBJECTS = [
    "Báo cáo CCHC quý I năm 2024",
    "Báo cáo cải cách hành chính 6 tháng đầu năm 2024",
    "BC CCHC quy III 2024",
    "Báo cáo CCHC năm 2024",
]


def _png(width: int, height: int, rng: random.Random) -> bytes:
    """A photo-like PNG: random pixels, so neither PNG nor the .docx zip can shrink it."""
    rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows, 1))
        + chunk(b"IEND", b"")
    )


def _unique(zip_bytes: bytes, tag: str) -> bytes:
    """The same Office file with a distinct zip comment: other bytes, same content."""
    assert zip_bytes[-22:-18] == b"PK\x05\x06" and zip_bytes[-2:] == b"\x00\x00"
    comment = tag.encode()
    return zip_bytes[:-2] + struct.pack("<H", len(comment)) + comment


def templates(count: int = 16) -> list[tuple[str, bytes, str, bytes]]:
    """(docx name, docx with a photo, xlsx name, xlsx) from real reports of the sample case."""
    import docx
    from docx.shared import Cm

    rng = random.Random(7)
    by_message: dict[str, dict[str, tuple[str, bytes]]] = {}
    for a in case_attachments():
        ext = a.filename.rsplit(".", 1)[-1].lower()
        if (ext, a.expect["kind"]) in (("docx", "outline"), ("xlsx", "onestop")):
            by_message.setdefault(a.message_file, {})[ext] = (a.filename, a.data)
    pairs = [v for v in by_message.values() if len(v) == 2][:count]
    out = []
    for files in pairs:
        document = docx.Document(io.BytesIO(files["docx"][1]))
        document.add_picture(io.BytesIO(_png(256, 220, rng)), width=Cm(12))
        buf = io.BytesIO()
        document.save(buf)
        out.append((files["docx"][0], buf.getvalue(), files["xlsx"][0], files["xlsx"][1]))
    return out


def senders() -> list[str]:
    import tomllib

    units = tomllib.loads((CASE / "units.toml").read_text(encoding="utf-8"))["unit"]
    return [u["emails"][0] for u in units if u.get("emails")]


def report_messages(n: int, start: datetime) -> Iterator[tuple[bytes, datetime]]:
    tpl, addrs = templates(), senders()
    for i in range(n):
        dname, ddata, xname, xdata = tpl[i % len(tpl)]
        when = start + timedelta(minutes=7 * i)
        msg = EmailMessage()
        msg["From"] = addrs[i % len(addrs)]
        msg["To"] = "noivu.cchc.daksong@gmail.com"
        msg["Subject"] = SUBJECTS[i % len(SUBJECTS)]
        msg["Date"] = when.strftime("%a, %d %b %Y %H:%M:%S +0000")
        msg["Message-ID"] = f"<bench-{i}@example.gov.vn>"
        msg.set_content("Kính gửi Phòng Nội vụ,\nĐơn vị gửi báo cáo CCHC và Phụ lục 2 kèm theo.\n")
        msg.add_attachment(
            _unique(ddata, f"bench-{i}"),
            maintype="application",
            subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
            filename=dname,
        )
        msg.add_attachment(
            _unique(xdata, f"bench-{i}"),
            maintype="application",
            subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename=xname,
        )
        yield msg.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), when


def small_messages(n: int, offset: int, start: datetime) -> Iterator[tuple[bytes, datetime]]:
    for i in range(n):
        raw = (
            f"From: filler@example.com\r\nSubject: thu khac {offset + i}\r\n"
            f"Message-ID: <filler-{offset + i}@example.com>\r\n\r\nkhong phai bao cao\r\n"
        ).encode()
        yield raw, start


# -- the three timings -----------------------------------------------------------------------


def raw_download(server: Dovecot, parse: bool) -> tuple[int, float]:
    """(a), or (c) with parse=True: imaplib, UID FETCH BODY.PEEK[] in batches of 100."""
    import docx
    import openpyxl

    started = time.perf_counter()
    conn = imaplib.IMAP4("127.0.0.1", server.port)
    conn.login(USER, PASSWORD)
    conn.select("INBOX", readonly=True)
    _, data = conn.uid("SEARCH", "ALL")
    uids = [int(u) for u in data[0].split()]
    count = 0
    for i in range(0, len(uids), 100):
        part = uids[i : i + 100]
        _, data = conn.uid("FETCH", f"{part[0]}:{part[-1]}", "(BODY.PEEK[])")
        for item in data:
            if not isinstance(item, tuple):
                continue
            count += 1
            if not parse:
                continue
            msg = email.message_from_bytes(item[1])
            for p in msg.walk():
                name = (p.get_filename() or "").lower()
                payload = p.get_payload(decode=True)
                if not isinstance(payload, bytes):
                    continue
                if name.endswith(".docx"):
                    docx.Document(io.BytesIO(payload))
                elif name.endswith(".xlsx"):
                    openpyxl.load_workbook(io.BytesIO(payload))
    conn.logout()
    return count, time.perf_counter() - started


def _tree_rss_mb(root: int) -> float:
    """RSS of `root` and all its descendants (worker processes included), from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rpartition(b")")[2].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(rss.get(pid, 0) for pid in tree) / 1024 / 1024


def cchc_ingest(config: Path) -> tuple[float, float, str]:
    """(b): the real command in a child process; wall time and the peak RSS (MB) of the
    command with its worker processes, sampled from /proc every 0.2 s."""
    env = dict(os.environ, CCHC_IMAP_PASSWORD=PASSWORD, PYTHONPATH=str(ROOT))
    out_path, err_path = config.with_name("ingest.out"), config.with_name("ingest.err")
    started = time.perf_counter()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cchc", "ingest", "--config", str(config), "--quiet"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
        peak = [0.0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.2):
                peak[0] = max(peak[0], _tree_rss_mb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
        done.set()
        sampler.join()
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"cchc ingest failed ({proc.returncode}): {err_path.read_text()[-2000:]}")
    return wall, max(peak[0], usage.ru_maxrss / 1024), out_path.read_text().strip()


def noop_poll_ms(config: Path, repeat: int = 30) -> tuple[float, float]:
    """Median ms of (IMAP part only, the whole pass with its health write) on one connection."""
    from cchc.app import App
    from cchc.core.config import load_config
    from cchc.mailbox import poll_once
    from ingest.imap import ImapMailbox
    from ingest.poll import poll
    from store.mailbox import MailboxStateStore

    app = App(load_config(config, env={"CCHC_IMAP_PASSWORD": PASSWORD}))
    state = MailboxStateStore(app.db)
    imap_only, whole = [], []
    try:
        with ImapMailbox(app.config.imap) as box:
            for _ in range(repeat):
                time.sleep(0.2)  # spread over seconds: Dovecot's maildir sync has its own clock
                t = time.perf_counter()
                result = poll(box, state, lambda batch: [None] * len(batch))
                imap_only.append((time.perf_counter() - t) * 1000)
                assert result.fetched == 0, "not a no-op poll"
                t = time.perf_counter()
                poll_once(app, box)
                whole.append((time.perf_counter() - t) * 1000)
    finally:
        app.close()
    return statistics.median(imap_only), statistics.median(whole)


def bare_status_ms(server: Dovecot, repeat: int = 30) -> float:
    """The floor of any no-op poll: one bare STATUS with imaplib on a new session, median ms.

    Measured here: the first IMAP session after a large change to the maildir pays ~20 ms per
    STATUS at 20,000 messages for as long as it lasts (imaplib and imapclient alike); later
    sessions pay ~1.5 ms. So each measurement runs after a throw-away first session."""
    conn = imaplib.IMAP4("127.0.0.1", server.port)
    conn.login(USER, PASSWORD)
    times = []
    try:
        for _ in range(repeat):
            time.sleep(0.2)
            t = time.perf_counter()
            conn.status("INBOX", "(UIDVALIDITY UIDNEXT)")
            times.append((time.perf_counter() - t) * 1000)
    finally:
        conn.logout()
    return statistics.median(times)


def mark_done(config: Path) -> None:
    """Record the filler messages as done without ingesting them (only the state matters)."""
    from cchc.app import App
    from cchc.core.config import load_config
    from ingest.imap import ImapMailbox
    from store.mailbox import MailboxStateStore

    app = App(load_config(config, env={"CCHC_IMAP_PASSWORD": PASSWORD}))
    try:
        with ImapMailbox(app.config.imap) as box:
            info = box.open_folder()
        MailboxStateStore(app.db).save(
            app.config.imap.account, "INBOX", info.uidvalidity, info.uidnext - 1, []
        )
    finally:
        app.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=2000, help="report messages (default 2000)")
    ap.add_argument("--batch-size", type=int, default=50, help="imap.batch_size for (b)")
    args = ap.parse_args()
    reason = available()
    if reason:
        raise SystemExit(f"cannot run: {reason}")
    n = args.n
    work = Path(tempfile.mkdtemp(prefix="cchc-bench-"))
    try:
        _run(n, args.batch_size, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(n: int, batch_size: int, work: Path) -> None:
    with Dovecot() as server:
        start = datetime(2024, 1, 2, 1, 0, tzinfo=UTC)
        t = time.perf_counter()
        server.append("INBOX", report_messages(n, start), chunk=50)
        size = sum(
            p.stat().st_size
            for p in (server.root / "mail").rglob("*")
            if p.is_file() and p.parent.name in ("cur", "new")
        )
        print(
            f"filled INBOX with {n} messages ({size / n / 1024:.0f} KB each) in {time.perf_counter() - t:.1f} s"
        )
        time.sleep(5)  # Dovecot re-reads a just-changed cur/ on SELECT/EXAMINE (measured: 2-5 s)

        count, a = raw_download(server, parse=False)
        assert count == n, count
        _, c = raw_download(server, parse=True)
        config = work / "config.toml"
        config.write_text(
            f'[units]\nfile = "{CASE / "units.toml"}"\n[store]\npath = "db.sqlite"\narchive = "archive"\n'
            f'[imap]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\nusername = "{USER}"\n'
            f"batch_size = {batch_size}\n",
            encoding="utf-8",
        )
        b, rss, line = cchc_ingest(config)
        time.sleep(5)
        first_n = bare_status_ms(server)  # the first session after a change pays Dovecot's resync
        noop_n = noop_poll_ms(config)
        floor_n = bare_status_ms(server)

        server.append("INBOX", small_messages(9 * n, 0, start), chunk=500)
        mark_done(config)
        time.sleep(10)  # 18,000 new files: Dovecot rescans a recently changed maildir for seconds
        first_10n = bare_status_ms(server)
        noop_10n = noop_poll_ms(config)
        floor_10n = bare_status_ms(server)

    print(f"cchc ingest said: {line}")
    print(f"(a) raw download (imaplib)          {n / a:8.0f} msg/s  {a:7.2f} s")
    print(f"(c) download + email + docx/openpyxl {n / c:8.0f} msg/s  {c:7.2f} s")
    print(f"(b) cchc ingest                      {n / b:8.0f} msg/s  {b:7.2f} s")
    print(f"b/a = {b / a:.1f}x   b/c = {b / c:.2f}x (target <= {TARGET_RATIO})")
    print(
        f"peak RSS of (b), with its worker processes: {rss:.0f} MB (target < {TARGET_RSS_MB:.0f})"
    )
    print(
        f"no-op poll at N={n}: {noop_n[0]:.2f} ms IMAP, {noop_n[1]:.2f} ms with the health write; "
        f"bare STATUS {floor_n:.2f} ms (ratio {noop_n[0] / floor_n:.2f}; "
        f"the first session after the fill: {first_n:.2f} ms)"
    )
    print(
        f"no-op poll at 10N={10 * n}: {noop_10n[0]:.2f} ms IMAP, {noop_10n[1]:.2f} ms with the health write; "
        f"bare STATUS {floor_10n:.2f} ms (ratio {noop_10n[0] / floor_10n:.2f}; "
        f"the first session after the fill: {first_10n:.2f} ms) (target < 50 ms, flat)"
    )
    ok = (
        b / c <= TARGET_RATIO
        and rss < TARGET_RSS_MB
        and max(noop_n[1], noop_10n[1]) < TARGET_NOOP_MS
    )
    print("targets met" if ok else "TARGETS MISSED")


if __name__ == "__main__":
    main()
