"""Photos and scanned pages (.jpg .jpeg .png .tif .tiff): what they are, cheaply, and upright.

Units photograph or scan the signed report page by page. Before anything expensive we read
only the image's header (Pillow opens lazily: size, frames and EXIF orientation, no pixels
decoded), so a corrupt file is refused as unreadable, a decompression bomb (a few kilobytes
that claim a billion pixels) as too large, and a small picture — a logo or a signature from
a mail client — is told apart from a page. Tesseract ignores EXIF orientation, so a phone
photo taken sideways is turned upright (`upright`) before it is read.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

from parsers.guard import TooLarge, Unparseable

# A page photo or scan has both sides at least this long; a logo or signature picture does not.
MIN_PAGE_SIDE = 400
# A file this big that cannot be opened was a photo of a page, not a logo: worth telling.
PAGE_MIN_BYTES = 50_000
# More pixels than any page photo (a 48 MP phone photo is 48 M): refused before decoding.
MAX_PIXELS = 80_000_000
FORMATS = {"JPEG": "jpeg", "PNG": "png", "TIFF": "tiff"}
EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class ImageInfo:
    format: str  # jpeg | png | tiff
    width: int
    height: int
    frames: int  # pages of a multi-page TIFF; 1 otherwise
    orientation: int  # EXIF orientation, 1 = upright

    @property
    def is_page(self) -> bool:
        """Big enough to be a photographed or scanned page."""
        return min(self.width, self.height) >= MIN_PAGE_SIDE


def sniff_image(data: bytes) -> str | None:
    """jpeg, png or tiff by magic bytes, else None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    return None


def image_info(data: bytes) -> ImageInfo:
    """The header's facts; raises `Unparseable` (corrupt) or `TooLarge` (too many pixels)."""
    from PIL import Image, UnidentifiedImageError  # lazy: only for images

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                width, height = im.size
                frames = int(getattr(im, "n_frames", 1) or 1)
                fmt = FORMATS.get(im.format or "")
                orientation = _orientation(im, fmt)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooLarge(
            f"Ảnh quá lớn (quá nhiều điểm ảnh), đã từ chối / image too large: {exc}"
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise Unparseable(f"Tệp ảnh bị hỏng, không mở được / corrupt image: {exc}") from exc
    if fmt is None:
        raise Unparseable("Tệp ảnh không đúng định dạng JPEG, PNG hoặc TIFF / unsupported image")
    if width * height > MAX_PIXELS:
        raise TooLarge(
            f"Ảnh quá lớn ({width}×{height} điểm ảnh), đã từ chối / image too large "
            f"({width}x{height} pixels)"
        )
    return ImageInfo(fmt, width, height, frames, orientation)


def _orientation(im: Any, fmt: str | None) -> int:
    """EXIF orientation from the header. A PNG's EXIF may follow the pixels, and Pillow would
    decode them all to find it (a tenth of a second a page): only one stated before is read."""
    if fmt == "png" and "exif" not in im.info:
        return 1
    return int(im.getexif().get(EXIF_ORIENTATION, 1) or 1)


def upright(data: bytes) -> bytes:
    """A PNG of the image turned as its EXIF orientation says (phone photos taken sideways)."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as im:
        turned = ImageOps.exif_transpose(im)
        out = io.BytesIO()
        turned.save(out, format="PNG")
    return out.getvalue()
