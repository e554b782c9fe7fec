"""Every export as it prints (issue 13), on the visible cases of both profiles: daksong-2024
under the default configuration and province-2026 under its own.

Each export is built once per profile; the print setup, fonts and row heights are read from
the files; then LibreOffice prints them all to PDF in one run and `pdftotext -bbox` (poppler)
gives every word's box on every page: no two words may overlap (text drawn over text: a row
too short, a cell spilling into its neighbour) and none may run past the right edge.

Row heights are checked against widths measured here from the font files LibreOffice draws
with (`fontmetrics`), not against the exporters' own table: a row must be at least as tall
as its longest cell's lines at the font's line pitch.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import docx
import fontmetrics
import openpyxl
import pytest
from casedata import expected, province_expected
from docx.oxml.ns import qn
from docx.shared import Cm

from cchc.app import App
from cchc.exports.compliance import build_compliance_xlsx
from cchc.exports.narrative import build_narrative_docx
from cchc.exports.onestop import build_onestop_xlsx
from cchc.exports.period_status import build_period_status_xlsx
from cchc.exports.proposal import build_proposal_docx

SERIF = "Times New Roman"
MONO = "Courier New"
HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


@dataclass
class Built:
    profile: str
    app: App
    year: int
    files: dict[str, bytes]  # file name -> bytes, every export of the case

    def sheets(self) -> list[tuple[str, Any]]:
        out = []
        for name, data in self.files.items():
            if name.endswith(".xlsx"):
                for ws in openpyxl.load_workbook(io.BytesIO(data)):
                    out.append((f"{name}:{ws.title}", ws))
        return out

    def documents(self) -> list[tuple[str, Any]]:
        return [
            (name, docx.Document(io.BytesIO(data)))
            for name, data in self.files.items()
            if name.endswith(".docx")
        ]


def _build(app: App, year: int, at: datetime, profile: str) -> Built:
    periods = [p.id for p in app.calendar.periods_of(year)]
    files = {
        "compliance.xlsx": build_compliance_xlsx(app, year, at),
        "proposal.docx": build_proposal_docx(app, year, None, at),
        f"status-{periods[0]}.xlsx": build_period_status_xlsx(app, periods[0], at),
    }
    for p in periods:
        files[f"onestop-{p}.xlsx"] = build_onestop_xlsx(app, p, at)
        files[f"narrative-{p}.docx"] = build_narrative_docx(app, p, at)
    return Built(profile, app, year, files)


@pytest.fixture(scope="module", params=["daksong-2024", "province-2026"])
def built(request: pytest.FixtureRequest) -> Built:
    if request.param == "daksong-2024":
        app = request.getfixturevalue("case_app")
        return _build(app, 2024, datetime.fromisoformat(expected()["at"]), request.param)
    app = request.getfixturevalue("province_app")
    return _build(app, 2026, datetime.fromisoformat(province_expected()["at"]), request.param)


# --- print setup, fonts ------------------------------------------------------------------------


def test_every_sheet_prints_on_a4_landscape_fitted_to_width_with_repeated_headers(
    built: Built,
) -> None:
    for name, ws in built.sheets():
        setup = ws.page_setup
        assert int(setup.paperSize) == 9 and setup.orientation == "landscape", name
        assert setup.fitToWidth == 1 and setup.fitToHeight == 0, name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.page_margins.left >= 0.5 and ws.page_margins.top >= 0.4, name
        assert "&P" in (ws.oddFooter.center.text or ""), name
        titles = ws.print_title_rows
        assert titles, f"{name}: no header rows repeated"
        first = int(titles.split(":")[0].lstrip("$"))
        assert ws.cell(row=first, column=1).value == "STT", name


def test_every_text_is_in_times_new_roman_and_identifiers_in_courier_new(built: Built) -> None:
    for name, ws in built.sheets():
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                text = str(cell.value)
                if cell.font.name == MONO:
                    assert name.endswith("Danh sách báo cáo đã nhận"), (name, cell.coordinate)
                else:
                    assert cell.font.name == SERIF, (name, cell.coordinate)
                    assert not HEX64.search(text), (name, cell.coordinate, text)
    for name, doc in built.documents():
        for style in ("Normal", "Heading 1", "Heading 2"):
            fonts = doc.styles[style].element.rPr.find(qn("w:rFonts"))
            assert fonts.get(qn("w:ascii")) == SERIF and fonts.get(qn("w:hAnsi")) == SERIF
            assert fonts.get(qn("w:asciiTheme")) is None, (name, style)
        text = "\n".join(p.text for p in doc.paragraphs)
        assert not HEX64.search(text), name


def test_long_identifiers_are_only_on_the_evidence_sheet(built: Built) -> None:
    ids = {
        u["message_id"]
        for p in built.app.calendar.periods_of(built.year)
        for u in built.app.status(p.id)["units"]
        if u["message_id"]
    }
    assert ids
    for name, ws in built.sheets():
        cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
        found = {m for m in ids if any(m in text for text in cells)}
        if name.endswith("Danh sách báo cáo đã nhận"):
            assert found == ids
        else:
            assert not found, name


def test_documents_are_a4_with_the_decrees_margins_and_repeated_table_headers(
    built: Built,
) -> None:
    for name, doc in built.documents():
        for section in doc.sections:
            size = sorted((section.page_width, section.page_height))
            assert [round(x / Cm(1), 1) for x in size] == [21.0, 29.7], name
            assert round(section.left_margin / Cm(1), 1) == 3.0, name
            assert round(section.right_margin / Cm(1), 1) == 1.5, name
            assert round(section.top_margin / Cm(1), 1) == 2.0, name
        text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
            c.text for t in doc.tables for r in t.rows for c in r.cells
        )
        for words in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"):
            assert words in text, name
        assert "ngày … tháng … năm …" in text and "Nơi nhận:" in text, name
        grids = [t for t in doc.tables if t.rows[0].cells[0].text == "STT"]
        for table in grids:
            assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None, name


# --- row heights ----------------------------------------------------------------------------

LINE_PITCH = {False: 1.107, True: 1.133}  # Liberation Serif / Mono: ascent + descent, em
PAD_PT = 2.0  # the cell's own margins, measured in LibreOffice's PDF


def _fewest_lines(text: str, width: float, size: float, style: str, mono: bool) -> int:
    """The fewest lines any wrapping could give: breaks allowed after every space and every
    punctuation mark, letters measured in the fonts LibreOffice uses."""
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0.0
        for piece in re.findall(r"[^\W_]*[\W_]|[^\W_]+", paragraph):
            need = fontmetrics.text_pt(piece.rstrip(" "), size, style, mono=mono)
            full = fontmetrics.text_pt(piece, size, style, mono=mono)
            if used + need <= width:
                used += full
                continue
            if used:
                lines += 1
                used = 0.0
            for ch in piece:
                w = fontmetrics.text_pt(ch, size, style, mono=mono)
                if used and used + w > width:
                    lines += 1
                    used = 0.0
                used += w
    return lines


def _columns_pt(ws: Any, first: int, last: int) -> float:
    from openpyxl.utils import get_column_letter

    return sum(
        (ws.column_dimensions[get_column_letter(c)].width or 8.43) * 5.5
        for c in range(first, last + 1)
    )


@pytest.mark.skipif(not fontmetrics.available(), reason="fonts-liberation/fonts-dejavu missing")
def test_every_row_is_tall_enough_for_its_wrapped_text(built: Built) -> None:
    for name, ws in built.sheets():
        spans = {(r.min_row, r.min_col): r for r in ws.merged_cells.ranges}
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                    continue
                span = spans.get((cell.row, cell.column))
                last_col = span.max_col if span else cell.column
                last_row = span.max_row if span else cell.row
                width = _columns_pt(ws, cell.column, last_col) - PAD_PT
                font = cell.font
                mono = font.name == MONO
                style = {
                    (0, 0): "regular",
                    (1, 0): "bold",
                    (0, 1): "italic",
                    (1, 1): "bold_italic",
                }[(int(bool(font.b)), int(bool(font.i)))]
                size = float(font.sz or 11)
                lines = _fewest_lines(cell.value, width, size, style, mono)
                need = lines * size * LINE_PITCH[mono]
                have = sum(ws.row_dimensions[r].height or 15 for r in range(cell.row, last_row + 1))
                assert have >= need, (name, cell.coordinate, lines, have, cell.value[:60])


@pytest.mark.skipif(not fontmetrics.available(), reason="fonts-liberation/fonts-dejavu missing")
def test_the_exporters_width_table_is_never_narrower_than_the_fonts() -> None:
    """The widths the exporters carry (cchc/data/font_widths.json) against the font files:
    a narrower table would make rows too short."""
    from cchc.exports.measure import text_width

    sample = "AĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXYaăâbcdđeêghiklmnoôơpqrstuưvxy0123456789 ,.;:()-/"
    sample += "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ“”…–—%"
    for (bold, italic), style in {
        (False, False): "regular",
        (True, False): "bold",
        (False, True): "italic",
        (True, True): "bold_italic",
    }.items():
        for ch in sample:
            table = text_width(ch, 1000, bold=bold, italic=italic)
            real = fontmetrics.text_pt(ch, 1000, style)
            assert table >= real - 0.5, (style, ch, table, real)


# --- the printed pages --------------------------------------------------------------------------


@dataclass
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass
class Page:
    width: float
    height: float
    words: list[Word]


def _pages(pdf: Path) -> list[Page]:
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for m in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S):
        words = [
            Word(float(a), float(b), float(c), float(d), w)
            for a, b, c, d, w in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
                m.group(3),
            )
        ]
        pages.append(Page(float(m.group(1)), float(m.group(2)), words))
    return pages


def _joined(words: list[Word]) -> list[Word]:
    """pdftotext cuts a word where the font changes (a Vietnamese letter drawn from the
    fallback font): pieces touching on one line are one word again."""
    out: list[Word] = []
    for w in sorted(words, key=lambda w: (round(w.y0), w.x0)):
        last = out[-1] if out else None
        if last and abs(last.y0 - w.y0) < 1 and -2 < w.x0 - last.x1 < 0.8:
            out[-1] = Word(
                last.x0,
                min(last.y0, w.y0),
                max(last.x1, w.x1),
                max(last.y1, w.y1),
                last.text + w.text,
            )
        else:
            out.append(w)
    return out


def overlaps(page: Page) -> list[tuple[str, str]]:
    """Pairs of words drawn over each other. Word boxes are a font's full height, taller than
    the line pitch, so lines of one paragraph touch: an overlap is more than a third of a
    line high and more than half a point wide."""
    words = sorted(_joined(page.words), key=lambda w: w.x0)
    found = []
    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            if b.x0 >= a.x1:
                break
            wide = min(a.x1, b.x1) - max(a.x0, b.x0)
            high = min(a.y1, b.y1) - max(a.y0, b.y0)
            if wide > 0.5 and high > 0.35 * min(a.y1 - a.y0, b.y1 - b.y0):
                found.append((a.text, b.text))
    return found


@pytest.fixture(scope="module")
def rendered(built: Built, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Page]]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice or not shutil.which("pdftotext"):
        pytest.skip("LibreOffice (soffice) and poppler-utils (pdftotext) are needed to print")
    folder = tmp_path_factory.mktemp(f"print-{built.profile}")
    for name, data in built.files.items():
        (folder / name).write_bytes(data)
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *[str(folder / name) for name in built.files],
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    return {name: _pages(folder / (Path(name).stem + ".pdf")) for name in built.files}


def test_no_two_words_overlap_on_any_printed_page(rendered: dict[str, list[Page]]) -> None:
    for name, pages in rendered.items():
        assert pages, name
        for n, page in enumerate(pages, start=1):
            assert overlaps(page) == [], (name, n)


def test_no_word_runs_past_the_right_edge(rendered: dict[str, list[Page]]) -> None:
    for name, pages in rendered.items():
        for n, page in enumerate(pages, start=1):
            outside = [w.text for w in page.words if w.x1 > page.width - 10 or w.x0 < 0]
            assert outside == [], (name, n)


def test_the_overlap_check_sees_a_row_too_short(tmp_path: Path) -> None:
    """GIVEN a wrapped cell five lines long in a row of default height, with text in the row
    below WHEN LibreOffice prints it THEN the check finds words drawn over each other."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice or not shutil.which("pdftotext"):
        pytest.skip("LibreOffice (soffice) and poppler-utils (pdftotext) are needed to print")
    from openpyxl.styles import Alignment

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.column_dimensions["A"].width = 10
    ws["A1"] = "alpha beta gamma delta epsilon zeta eta theta iota kappa"
    ws["A1"].alignment = Alignment(wrap_text=True, vertical="center")
    ws["A2"] = "below words here"
    wb.save(tmp_path / "short.xlsx")
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "short.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (page,) = _pages(tmp_path / "short.pdf")
    assert overlaps(page)
