"""Spreadsheets (.xlsx .xlsm .xls .ods) to plain grids: one list of rows per sheet.

A grid is what `parsers.onestop` needs and nothing more: cell values (`str`, `int`,
`float`, `None`), merged ranges resolved by copying the range's value into every cell of
it (so a parent header such as "Số hồ sơ đã giải quyết" sits above each of its columns),
and a number shown with an Excel percent format kept as a `numbers.PercentCell`.

Safety, because units' files are untrusted:

- formulas are never evaluated: only the values cached by the program that saved the file
  (openpyxl `data_only=True`); macros (`vbaProject.bin` in .xlsm) are never read;
- zips are checked before any parser sees them (`guard.check_zip`: member count, inflated
  size, ratio) and every XML part is refused if it declares a DTD (`guard.refuse_dtd` on its
  first bytes): openpyxl also parses through defusedxml/lxml without entity expansion, this
  check just fails faster and with a clear message;
- at most `MAX_ROWS` × `MAX_COLS` cells per sheet and `MAX_SHEETS` sheets are read; a
  worksheet part bigger than `MAX_SHEET_XML` is refused before loading;
- encrypted files (OOXML inside an OLE container, .xls with a password, .ods with
  encryption data) raise `PasswordProtected`; anything unreadable raises `Unparseable`.
  Both are `guard.AttachmentError`, which the registry catches.

Why openpyxl's normal (not read-only) mode: merged cells are only exposed there, and on the
units' files (a few KB, one sheet) it costs the same as the library's own default open,
which is the benchmark (`bench/parse.py`); the size guard above bounds the worst case.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import xml.sax
import zipfile
from collections.abc import Iterator
from typing import Any

from cchc.core.text import nfc
from parsers.guard import (
    Limits,
    PasswordProtected,
    TooLarge,
    Unparseable,
    check_zip,
    read_member,
    refuse_dtd,
)
from parsers.numbers import PercentCell

Cell = str | int | float | None
Grid = list[list[Cell]]

MAX_ROWS = 2000
MAX_COLS = 100
MAX_SHEETS = 30
MAX_SHEET_XML = 40 * 1024 * 1024

FORMATS = ("xlsx", "xlsm", "xls", "ods")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


def read_grids(data: bytes, fmt: str, *, limits: Limits | None = None) -> list[Grid]:
    """Read every sheet of a spreadsheet as a grid (rows of cell values), merged cells filled.

    `fmt` is the claimed format ("xlsx", "xlsm", "xls", "ods"); the bytes decide the
    container, so a renamed file (an .xls that is really .xlsx) still reads. Raises a
    `AttachmentError` subclass for anything unreadable or refused; never another exception
    for bad input.
    """
    limits = limits or Limits()
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise Unparseable(
            f"Định dạng bảng tính không hỗ trợ: {fmt!r} / unsupported spreadsheet format"
        )
    if len(data) > limits.max_bytes:
        raise TooLarge(
            f"Tệp quá lớn ({len(data) // (1024 * 1024)} MiB) / file exceeds "
            f"{limits.max_bytes // (1024 * 1024)} MiB"
        )
    if data[:8] == _OLE_MAGIC:
        if _ENCRYPTED_PACKAGE in data:
            raise PasswordProtected(
                "Tệp Excel có mật khẩu, không đọc được; xin gửi bản không đặt mật khẩu / "
                "the workbook is password-protected"
            )
        return _read_xls(data)
    if data[:4] != b"PK\x03\x04":
        raise Unparseable(
            f"Tệp không phải bảng tính {fmt} hợp lệ (có thể bị hỏng) / not a valid {fmt} file"
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise Unparseable(f"Tệp {fmt} bị hỏng, không mở được / corrupt {fmt} file: {exc}") from exc
    with zf:
        check_zip(zf, limits)
        names = set(zf.namelist())
        if "mimetype" in names and zf.read("mimetype").strip() == _ODS_MIME:
            return _read_ods(data, zf, limits)
        if "xl/workbook.xml" not in names:
            raise Unparseable(
                f"Tệp không phải bảng tính Excel (thiếu xl/workbook.xml) / not a {fmt} workbook"
            )
        _screen_ooxml(zf)
    return _read_xlsx(data)


# --- cells ------------------------------------------------------------------------------


def _cell(value: Any, percent: bool = False) -> Cell:
    """One cell value as a grid value: text NFC, whole floats as int, percent kept as flag."""
    if value is None:
        return None
    if isinstance(value, str):
        text = nfc(value).strip()
        return text or None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return PercentCell(value) if percent else value
    if isinstance(value, float):
        if percent:
            return PercentCell(value)
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return nfc(str(value)).strip() or None


def _fill_merged(grid: Grid, r0: int, c0: int, r1: int, c1: int) -> None:
    """Copy the top-left value of a merged range (0-based, inclusive) into the whole range."""
    if r0 >= len(grid) or c0 >= MAX_COLS:
        return
    value = grid[r0][c0] if c0 < len(grid[r0]) else None
    if value is None:
        return
    for r in range(r0, min(r1, len(grid) - 1) + 1):
        row = grid[r]
        for c in range(c0, min(c1, len(row) - 1) + 1):
            row[c] = value


def _trim(grid: Grid) -> Grid:
    """Drop trailing empty rows and columns (formatting often extends a sheet far)."""
    while grid and all(v is None for v in grid[-1]):
        grid.pop()
    width = max(
        (max((i + 1 for i, v in enumerate(row) if v is not None), default=0) for row in grid),
        default=0,
    )
    return [row[:width] for row in grid]


# --- xlsx / xlsm ------------------------------------------------------------------------


def _screen_ooxml(zf: zipfile.ZipFile) -> None:
    """Refuse DTDs in any XML part and worksheets too big to load, from cheap facts."""
    for info in zf.infolist():
        if info.flag_bits & 0x1:
            raise PasswordProtected("Tệp Excel có mật khẩu / the workbook is password-protected")
        if not info.filename.endswith((".xml", ".rels", ".vml")):
            continue
        if info.filename.startswith("xl/worksheets/") and info.file_size > MAX_SHEET_XML:
            raise TooLarge(
                f"Trang tính {info.filename} quá lớn ({info.file_size // (1024 * 1024)} MiB) / "
                "worksheet too large"
            )
        with zf.open(info) as fh:
            refuse_dtd(fh.read(4096), info.filename)


def _read_xlsx(data: bytes) -> list[Grid]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(
            io.BytesIO(data), read_only=False, data_only=True, keep_vba=False, keep_links=False
        )
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        TypeError,
        IndexError,
        AttributeError,
        OSError,
        EOFError,
        SyntaxError,  # ElementTree/defusedxml ParseError derives from it
    ) as exc:
        raise Unparseable(f"Tệp Excel bị hỏng, không đọc được / corrupt workbook: {exc}") from exc
    grids: list[Grid] = []
    try:
        for ws in wb.worksheets[:MAX_SHEETS]:
            grids.append(_openpyxl_grid(ws))
    finally:
        wb.close()
    return grids


def _openpyxl_grid(ws: Any) -> Grid:
    # `_cells` holds only the cells present in the file; iter_rows would create every empty
    # cell of the rectangle (slow, and a hostile dimension could make it huge)
    cells: dict[tuple[int, int], Any] = getattr(ws, "_cells", {})
    nrows = ncols = 0
    for r, c in cells:
        if r <= MAX_ROWS and c <= MAX_COLS:
            nrows, ncols = max(nrows, r), max(ncols, c)
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= MAX_ROWS and rng.min_col <= MAX_COLS:
            nrows = max(nrows, min(rng.max_row, MAX_ROWS))
            ncols = max(ncols, min(rng.max_col, MAX_COLS))
    grid: Grid = [[None] * ncols for _ in range(nrows)]
    for (r, c), cell in cells.items():
        if r > MAX_ROWS or c > MAX_COLS:
            continue
        value = cell.value
        if value is None:
            continue
        fmt = cell.number_format or ""
        grid[r - 1][c - 1] = _cell(value, "%" in fmt and isinstance(value, int | float))
    for rng in ws.merged_cells.ranges:
        _fill_merged(grid, rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, rng.max_col - 1)
    return _trim(grid)


# --- xls --------------------------------------------------------------------------------


def _read_xls(data: bytes) -> list[Grid]:
    """Legacy .xls through xlrd; formatting_info gives merges and percent formats.

    Some writers produce .xls files xlrd cannot read with formatting_info (it raises); then
    the values are read without it, so the grid has no merges and no percent flags.
    """
    import xlrd
    import xlrd.compdoc

    book = None
    last: Exception | None = None
    for formatting in (True, False):
        try:
            book = xlrd.open_workbook(
                file_contents=data,
                formatting_info=formatting,
                on_demand=True,
                logfile=io.StringIO(),
            )
            break
        except (xlrd.XLRDError, xlrd.compdoc.CompDocError) as exc:
            if "encrypt" in str(exc).lower() or "password" in str(exc).lower():
                raise PasswordProtected(
                    "Tệp Excel có mật khẩu, không đọc được / the workbook is password-protected"
                ) from exc
            last = exc
        except (
            NotImplementedError,
            AssertionError,
            KeyError,
            IndexError,
            ValueError,
            TypeError,
            struct.error,
            EOFError,
            OSError,
        ) as exc:
            last = exc
    if book is None:
        raise Unparseable(
            f"Tệp Excel (.xls) bị hỏng, không đọc được / corrupt .xls: {last}"
        ) from last
    grids: list[Grid] = []
    try:
        for index in range(min(book.nsheets, MAX_SHEETS)):
            try:
                sheet = book.sheet_by_index(index)
            except (
                xlrd.XLRDError,
                AssertionError,
                KeyError,
                IndexError,
                ValueError,
                struct.error,
                EOFError,
            ) as exc:
                raise Unparseable(
                    f"Trang tính {index + 1} của tệp .xls bị hỏng / corrupt sheet: {exc}"
                ) from exc
            grids.append(_xlrd_grid(book, sheet))
    finally:
        book.release_resources()
    return grids


def _xlrd_grid(book: Any, sheet: Any) -> Grid:
    import xlrd

    nrows, ncols = min(sheet.nrows, MAX_ROWS), min(sheet.ncols, MAX_COLS)
    formatting = bool(book.formatting_info)
    grid: Grid = [[None] * ncols for _ in range(nrows)]
    for r in range(nrows):
        row = grid[r]
        for c in range(min(sheet.row_len(r), ncols)):
            cell = sheet.cell(r, c)
            ctype, value = cell.ctype, cell.value
            if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                continue
            if ctype == xlrd.XL_CELL_NUMBER:
                percent = False
                if formatting:
                    xf = book.xf_list[cell.xf_index]
                    fmt = book.format_map.get(xf.format_key)
                    percent = fmt is not None and "%" in fmt.format_str
                row[c] = _cell(float(value), percent)
            elif ctype == xlrd.XL_CELL_DATE:
                try:
                    row[c] = xlrd.xldate_as_datetime(value, book.datemode).isoformat()
                except (xlrd.xldate.XLDateError, ValueError, OverflowError):
                    row[c] = _cell(float(value))
            elif ctype == xlrd.XL_CELL_BOOLEAN:
                row[c] = "TRUE" if value else "FALSE"
            elif ctype == xlrd.XL_CELL_ERROR:
                row[c] = xlrd.error_text_from_code.get(value, "#ERR")
            else:
                row[c] = _cell(value)
    for rlo, rhi, clo, chi in getattr(sheet, "merged_cells", []) or []:
        _fill_merged(grid, rlo, clo, rhi - 1, chi - 1)
    return _trim(grid)


# --- ods --------------------------------------------------------------------------------

_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ROW_GROUPS = {"table-header-rows", "table-rows", "table-row-group"}


def _read_ods(data: bytes, zf: zipfile.ZipFile, limits: Limits) -> list[Grid]:
    """OpenDocument spreadsheets through odfpy, after the same zip and DTD screening."""
    from odf.opendocument import load

    names = set(zf.namelist())
    if "META-INF/manifest.xml" in names:
        manifest = read_member(zf, "META-INF/manifest.xml", limits)
        refuse_dtd(manifest, "META-INF/manifest.xml")
        if b"encryption-data" in manifest:
            raise PasswordProtected("Tệp .ods có mật khẩu / the spreadsheet is password-protected")
    if "content.xml" not in names:
        raise Unparseable("Tệp .ods thiếu content.xml / not an OpenDocument spreadsheet")
    for part in ("content.xml", "styles.xml", "meta.xml", "settings.xml"):
        if part in names:
            with zf.open(part) as fh:
                refuse_dtd(fh.read(4096), part)
        if part == "content.xml" and zf.getinfo(part).file_size > MAX_SHEET_XML:
            raise TooLarge("Nội dung tệp .ods quá lớn / spreadsheet content too large")
    try:
        doc = load(io.BytesIO(data))
    except (
        KeyError,
        ValueError,
        TypeError,
        IndexError,
        AttributeError,
        zipfile.BadZipFile,
        OSError,
        SyntaxError,
        xml.sax.SAXException,
    ) as exc:
        raise Unparseable(f"Tệp .ods bị hỏng, không đọc được / corrupt .ods: {exc}") from exc
    tables = [
        el
        for el in doc.spreadsheet.childNodes
        if getattr(el, "qname", None) == (_TABLE_NS, "table")
    ]
    return [_ods_grid(t) for t in tables[:MAX_SHEETS]]


def _ods_rows(el: Any) -> Iterator[Any]:
    for child in el.childNodes:
        qname = getattr(child, "qname", None)
        if qname == (_TABLE_NS, "table-row"):
            yield child
        elif qname is not None and qname[0] == _TABLE_NS and qname[1] in _ROW_GROUPS:
            yield from _ods_rows(child)


def _attr_int(el: Any, name: str) -> int:
    raw = el.attributes.get((_TABLE_NS, name))
    try:
        return max(1, int(raw)) if raw is not None else 1
    except ValueError:
        return 1


def _ods_value(cell: Any) -> Cell:
    attrs = cell.attributes
    vtype = attrs.get((_OFFICE_NS, "value-type"))
    if vtype in ("float", "currency", "percentage"):
        try:
            number = float(attrs.get((_OFFICE_NS, "value"), ""))
        except ValueError:
            number = None
        if number is not None:
            return _cell(number, vtype == "percentage")
    if vtype == "date":
        return attrs.get((_OFFICE_NS, "date-value"))
    if vtype == "time":
        return attrs.get((_OFFICE_NS, "time-value"))
    if vtype == "boolean":
        return "TRUE" if attrs.get((_OFFICE_NS, "boolean-value")) == "true" else "FALSE"
    paragraphs = [
        _ods_text(p) for p in cell.childNodes if getattr(p, "qname", None) == (_TEXT_NS, "p")
    ]
    return _cell("\n".join(paragraphs))


def _ods_text(el: Any) -> str:
    """Text of a text:p, honouring text:s (spaces), text:tab and text:line-break."""
    out: list[str] = []
    for node in el.childNodes:
        if node.nodeType == node.TEXT_NODE:
            out.append(str(node.data))
            continue
        qname = getattr(node, "qname", None)
        if qname == (_TEXT_NS, "s"):
            out.append(" " * int(node.attributes.get((_TEXT_NS, "c"), "1") or 1))
        elif qname == (_TEXT_NS, "tab"):
            out.append("\t")
        elif qname == (_TEXT_NS, "line-break"):
            out.append("\n")
        else:
            out.append(_ods_text(node))
    return "".join(out)


def _ods_grid(table: Any) -> Grid:
    """Rows and cells with their repeat counts (capped) and spans (filled like merges)."""
    grid: Grid = []
    spans: list[tuple[int, int, int, int]] = []
    for row in _ods_rows(table):
        if len(grid) >= MAX_ROWS:
            break
        values: list[Cell] = []
        for cell in row.childNodes:
            qname = getattr(cell, "qname", None)
            if qname not in ((_TABLE_NS, "table-cell"), (_TABLE_NS, "covered-table-cell")):
                continue
            repeat = _attr_int(cell, "number-columns-repeated")
            value = _ods_value(cell) if qname[1] == "table-cell" else None
            if qname[1] == "table-cell":
                rs, cs = (
                    _attr_int(cell, "number-rows-spanned"),
                    _attr_int(cell, "number-columns-spanned"),
                )
                if (rs > 1 or cs > 1) and len(values) < MAX_COLS:
                    spans.append((len(grid), len(values), len(grid) + rs - 1, len(values) + cs - 1))
            take = min(repeat, MAX_COLS - len(values))
            values.extend([value] * take)
            if len(values) >= MAX_COLS:
                break
        repeat_rows = _attr_int(row, "number-rows-repeated")
        if all(v is None for v in values):
            # trailing filler rows are repeated a million times: count, don't materialise
            repeat_rows = min(repeat_rows, MAX_ROWS - len(grid))
        for _ in range(min(repeat_rows, MAX_ROWS - len(grid))):
            grid.append(list(values))
    width = max((len(r) for r in grid), default=0)
    for r in grid:
        r.extend([None] * (width - len(r)))
    for r0, c0, r1, c1 in spans:
        _fill_merged(grid, r0, c0, r1, c1)
    return _trim(grid)
