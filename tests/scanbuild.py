"""Builders for scans, the way a commune office makes them: the Word report printed (rendered
to PDF by LibreOffice), then scanned (rasterised at 200 dpi by pdftoppm, turned a little and
specked by Pillow) into an image-only PDF, or photographed page by page (JPEG).

Rendering takes seconds, so tests share one `ScanSet` per session (`conftest.scan_set`).
`blank_scan` needs no LibreOffice and no OCR: an image-only PDF of N pages for the tests that
never read the text (limits, OCR unavailable, a slow OCR).
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from docbuild import report_docx
from PIL import Image, ImageDraw

SCAN_DPI = 200
ROTATION = 0.7  # degrees: a page laid a little askew on the scanner
SPECKS = 1 / 2000  # share of pixels turned to dust


def tools_missing() -> str | None:
    """Why the real scan cannot be built and read here, or None."""
    for tool, package in (
        ("soffice", "libreoffice-writer"),
        ("pdftoppm", "poppler-utils"),
        ("tesseract", "tesseract-ocr tesseract-ocr-vie"),
    ):
        if shutil.which(tool) is None:
            return f"{tool} not installed (Debian: {package})"
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, check=False)
    if b"vie" not in langs.stdout + langs.stderr:
        return "Tesseract's Vietnamese model not installed (Debian: tesseract-ocr-vie)"
    return None


@dataclass(frozen=True)
class ScanSet:
    docx: bytes  # the report as the unit wrote it
    pdf: bytes  # the same report, printed and scanned: an image-only PDF
    photos: tuple[bytes, ...]  # the same pages photographed, one JPEG per page, in order


# The report every scan test reads: small type so that it is two pages (OCR is slow), one
# section left out and one left empty, so that "missing" is not trivially empty.
SKIPPED = ("II.5",)
EMPTY = ("V.2",)


def render_pdf(docx: bytes, folder: Path) -> bytes:
    """The Word file printed to PDF by LibreOffice (a private profile: no shared lock)."""
    src = folder / "report.docx"
    src.write_bytes(docx)
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (folder / "report.pdf").read_bytes()


def rasterise(pdf: bytes, folder: Path, dpi: int = SCAN_DPI) -> list[Image.Image]:
    src = folder / "printed.pdf"
    src.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(src), str(folder / "page")],
        check=True,
        timeout=120,
    )
    pages = sorted(folder.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return [Image.open(p).convert("L") for p in pages]


def degrade(page: Image.Image, seed: int) -> Image.Image:
    """A slight rotation and specks of dust, deterministically."""
    rnd = random.Random(seed)
    out = page.rotate(ROTATION, resample=Image.Resampling.BICUBIC, fillcolor=255)
    px = out.load()
    assert px is not None
    width, height = out.size
    for _ in range(int(width * height * SPECKS)):
        px[rnd.randrange(width), rnd.randrange(height)] = rnd.choice((0, 96, 192))
    return out


def image_pdf(pages: list[Image.Image], dpi: int = SCAN_DPI) -> bytes:
    """Pages as an image-only PDF: no text layer, as a scanner writes it."""
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return out.getvalue()


def jpeg(page: Image.Image, *, exif_orientation: int | None = None) -> bytes:
    out = io.BytesIO()
    if exif_orientation is None:
        page.save(out, format="JPEG", quality=85)
    else:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        page.save(out, format="JPEG", quality=85, exif=exif)
    return out.getvalue()


def build(folder: Path) -> ScanSet:
    docx = report_docx(skip=SKIPPED, empty=EMPTY, size=10)
    pages = [degrade(p, seed) for seed, p in enumerate(rasterise(render_pdf(docx, folder), folder))]
    return ScanSet(docx=docx, pdf=image_pdf(pages), photos=tuple(jpeg(p) for p in pages))


def blank_page(size: tuple[int, int] = (1240, 1754)) -> Image.Image:
    """A page-sized grey image with a few dark bars (text-like, nothing to read)."""
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    for y in range(200, size[1] - 200, 90):
        draw.rectangle((150, y, size[0] - 150, y + 12), fill=40)
    return page


def blank_scan(pages: int = 1) -> bytes:
    """An image-only PDF of `pages` pages, built in milliseconds without LibreOffice."""
    return image_pdf([blank_page() for _ in range(pages)], dpi=150)
