"""Reading scans with Tesseract's Vietnamese model: page images → text, in subprocesses.

Why the `tesseract` and `pdftoppm` programs rather than bindings: a program can be killed
when it overruns (`ocr_timeout_seconds`, one deadline for the whole file), a crash inside it
(leptonica on a hostile image) cannot take the parse worker down, and the cost per page is
the command line's own (`bench/parse.py` compares them). Both run with OMP_THREAD_LIMIT=1:
the parse pool already runs one worker per core, and Tesseract's OpenMP threads only contend
with it (on two cores a page took four times longer with them). Pages are rasterised and
read one at a time, so a 30-page scan never holds more than one page image on disk, under
names of our own: the sender's file name never reaches the disk.

All or nothing: a scan read only in part would report sections as missing that are merely
unread, so past `max_pages` or the deadline the result says why and carries no text.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from parsers import images
from parsers.guard import Deadline, TooSlow

log = logging.getLogger(__name__)

Status = Literal["read", "disabled", "unavailable", "too_many_pages", "timeout", "failed"]
# A page rasterised at more pixels than this (a poster-sized PDF page at 300 dpi) is
# rasterised at a lower resolution instead: A4 at 300 dpi is 8.7 M pixels.
MAX_PAGE_PIXELS = 40_000_000
LIST_LANGS_TIMEOUT = 15.0


@dataclass(frozen=True)
class OcrSettings:
    """`[parse] ocr`, `ocr_max_pages`, `ocr_timeout_seconds`, `ocr_dpi`, `tesseract`."""

    enabled: bool = True
    max_pages: int = 30
    timeout: float = 300.0  # for the whole file: rasterising and reading every page
    dpi: int = 300
    tesseract: str = "tesseract"  # a program name on PATH, or a path
    pdftoppm: str = "pdftoppm"
    lang: str = "vie"


@dataclass(frozen=True)
class OcrResult:
    """What OCR made of one scan: the text of every page, or why there is none."""

    status: Status
    pages: int  # pages of the scan (PDF pages, or photos and TIFF frames)
    texts: tuple[str, ...] = ()  # one per page, only when status == "read"
    reason: str = ""  # for logs (English): why not read


class _Failed(Exception):
    """A tool ran and failed (non-zero exit, cannot start)."""


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


@functools.lru_cache(maxsize=16)
def _languages(binary: str) -> frozenset[str]:
    """The models this Tesseract has (`--list-langs`), once per binary and process."""
    try:
        done = subprocess.run(
            [binary, "--list-langs"],
            capture_output=True,
            timeout=LIST_LANGS_TIMEOUT,
            env=_env(),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("cannot run %s --list-langs: %s", binary, exc)
        return frozenset()
    lines = (done.stdout + done.stderr).decode("utf-8", "replace").splitlines()
    return frozenset(x.strip() for x in lines if x.strip() and " " not in x.strip())


def unavailable(settings: OcrSettings, *, pdf: bool) -> str | None:
    """Why OCR cannot run on this server (English, for logs), or None when it can."""
    binary = shutil.which(settings.tesseract)
    if binary is None:
        return f"Tesseract not found ({settings.tesseract})"
    if settings.lang not in _languages(binary):
        return f"Tesseract has no {settings.lang!r} model (Debian: tesseract-ocr-{settings.lang})"
    if pdf and shutil.which(settings.pdftoppm) is None:
        return f"pdftoppm not found ({settings.pdftoppm}; Debian: poppler-utils)"
    return None


def _run(cmd: Sequence[str], deadline: Deadline) -> bytes:
    """Run one tool to completion within the deadline: its stdout. Killed (with anything it
    started) when the deadline passes: raises TooSlow; a failure raises _Failed."""
    try:
        proc = subprocess.Popen(
            list(cmd),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(),
            start_new_session=True,  # its own process group: a timeout kills its children too
        )
    except OSError as exc:
        raise _Failed(f"cannot run {cmd[0]}: {exc}") from exc
    try:
        out, err = proc.communicate(timeout=max(0.01, deadline.remaining()))
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        deadline.check()
        raise TooSlow("OCR timed out") from None
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise _Failed(f"{Path(cmd[0]).name} exited with {proc.returncode}: {tail[0][:200]}")
    return out


def _tesseract(image: Path, settings: OcrSettings, deadline: Deadline) -> list[str]:
    """The text of every page of one image file (a TIFF may hold several)."""
    out = _run([settings.tesseract, str(image), "stdout", "-l", settings.lang], deadline)
    texts = out.decode("utf-8", "replace").split("\f")
    if len(texts) > 1 and not texts[-1].strip():
        texts.pop()  # the form feed after the last page
    return texts


def _read(
    pages: int,
    settings: OcrSettings,
    *,
    pdf: bool,
    page_images: Callable[[Path, Deadline], Iterator[Path]],
) -> OcrResult:
    if not settings.enabled:
        return OcrResult("disabled", pages, reason="[parse] ocr = false")
    why = unavailable(settings, pdf=pdf)
    if why:
        return OcrResult("unavailable", pages, reason=why)
    if pages > settings.max_pages:
        return OcrResult("too_many_pages", pages, reason=f"{pages} > {settings.max_pages} pages")
    deadline = Deadline(settings.timeout)
    texts: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="cchc-ocr-") as tmp:
            for image in page_images(Path(tmp), deadline):
                deadline.check()
                texts.extend(_tesseract(image, settings, deadline))
                image.unlink()
    except TooSlow:
        return OcrResult("timeout", pages, reason=f"over {settings.timeout:g} s")
    except (_Failed, OSError) as exc:  # OSError: the scratch disk (full, unwritable)
        log.warning("OCR failed: %s", exc)
        return OcrResult("failed", pages, reason=str(exc))
    return OcrResult("read", pages, tuple(texts))


def read_pdf(
    data: bytes, pages: int, settings: OcrSettings, *, largest_page: float = 0.0
) -> OcrResult:
    """OCR an image-only PDF of `pages` pages; `largest_page` is the largest page's area in
    square points (a poster-sized page is rasterised at a lower resolution)."""
    dpi = settings.dpi
    if largest_page > 0:
        fit = math.sqrt(MAX_PAGE_PIXELS / (largest_page / 72 / 72))
        dpi = max(50, min(dpi, int(fit)))

    def page_images(tmp: Path, deadline: Deadline) -> Iterator[Path]:
        src = tmp / "scan.pdf"
        src.write_bytes(data)
        for number in range(1, pages + 1):
            root = tmp / f"page-{number:04d}"
            _run(
                [settings.pdftoppm, "-r", str(dpi), "-gray", "-singlefile"]
                + ["-f", str(number), "-l", str(number), str(src), str(root)],
                deadline,
            )
            yield root.with_suffix(".pgm")

    return _read(pages, settings, pdf=True, page_images=page_images)


def read_images(files: Sequence[bytes], settings: OcrSettings) -> OcrResult:
    """OCR photos or scanned pages (JPEG, PNG, TIFF), in the order given, as one scan."""
    infos = [images.image_info(data) for data in files]
    pages = sum(info.frames for info in infos)

    def page_images(tmp: Path, deadline: Deadline) -> Iterator[Path]:
        for number, (data, info) in enumerate(zip(files, infos, strict=True), start=1):
            if info.orientation != 1:  # a phone photo taken sideways
                path, body = tmp / f"page-{number:04d}.png", images.upright(data)
            else:
                path, body = tmp / f"page-{number:04d}.{info.format}", data
            path.write_bytes(body)
            yield path

    return _read(pages, settings, pdf=False, page_images=page_images)


_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[tuple[int, str], ...]:
    """File-name order as a person reads it: "trang 2" before "trang 10"."""
    parts = _DIGITS.split(name.casefold())
    return tuple((1, p.zfill(12)) if p.isdigit() else (0, p) for p in parts)
