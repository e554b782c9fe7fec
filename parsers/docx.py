"""Reading .docx/.docm safely: paragraphs and tables in document order, issuer block, title.

Why not `docx.Document()`: python-docx hands the XML to lxml, which expands entities, and it
would open the zip a second time. We open the zip once, check it (`guard.check_zip`), refuse
any DTD with a byte search (`guard.refuse_dtd`: billion laughs is refused in microseconds),
inflate only the parts we need with a byte counter, then parse with an lxml parser that
never resolves entities nor touches the network. Macros (`vbaProject.bin`) are never read.

Time limit: everything here is bounded by the size limits and runs in the calling thread,
with a cooperative `Deadline` checked per block. A thread or process per attachment would
cost more than the whole normal parse (a few ms); only external converters (LibreOffice)
get a subprocess, with a hard timeout (see `parsers.convert`).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from lxml import etree

from cchc.core.text import fold, nfc
from parsers import legacy
from parsers.guard import Deadline, Limits, Unparseable, check_zip, read_member, refuse_dtd

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{W}}}"
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)
Grid = list[list[str]]


@dataclass
class Block:
    """One body element: a paragraph (`grid` None) or a table (`grid` set, `text` its cells)."""

    text: str
    style: str = ""
    heading_level: int | None = None  # from a Word heading style / outline level
    bold: bool = False  # every non-blank run is bold
    numbered: bool = False  # Word auto-numbering (the number is not in the text)
    align: str | None = None
    grid: Grid | None = None


@dataclass
class DocxContent:
    blocks: list[Block] = field(default_factory=list)
    header_block: str = ""
    title: str = ""
    text: str = ""
    legacy_runs: int = 0  # runs converted from TCVN3/VNI
    body_start: int = 0  # index of the first block after the issuer block and the title

    @property
    def tables(self) -> list[Grid]:
        return [b.grid for b in self.blocks if b.grid is not None]


def _xml(zf: zipfile.ZipFile, name: str, limits: Limits) -> etree._Element | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    data = read_member(zf, info, limits)
    refuse_dtd(data, name)
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise Unparseable(
            f"Phần {name} của tệp Word bị hỏng / {name} is not well-formed XML: {exc}"
        ) from exc


def _on(el: etree._Element | None) -> bool:
    """A w:b / w:caps toggle: present and not val=false/0/off."""
    if el is None:
        return False
    return el.get(_W + "val", "true").lower() not in ("false", "0", "off")


@dataclass
class _Styles:
    names: dict[str, str]
    levels: dict[str, int]
    bold: dict[str, bool]
    fonts: dict[str, str]
    default_font: str | None
    default_para: str = ""  # the style of paragraphs that name none ("Normal")


def _styles(root: etree._Element | None, used: set[str]) -> _Styles:
    """Names, heading levels, bold and fonts of the styles `used` by paragraphs (and bases).

    Only the used ones: Word's styles.xml lists hundreds (latent styles, table styles) and
    walking them all cost more than the rest of the parse.
    """
    names: dict[str, str] = {}
    levels: dict[str, int] = {}
    bold: dict[str, bool] = {}
    fonts: dict[str, str] = {}
    based: dict[str, str] = {}
    default_font = None
    if root is None:
        return _Styles(names, levels, bold, fonts, None, "")
    rf = root.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr/{_W}rFonts")
    if rf is not None:
        default_font = rf.get(_W + "ascii") or rf.get(_W + "hAnsi")
    wanted = set(used)
    by_id = {st.get(_W + "styleId") or "": st for st in root.iterchildren(_W + "style")}
    default_para = next(
        (
            sid
            for sid, st in by_id.items()
            if st.get(_W + "type") == "paragraph" and st.get(_W + "default") in ("1", "true", "on")
        ),
        "",
    )
    wanted.add(default_para)
    todo = list(wanted)
    while todo:  # add the basedOn chains
        b = by_id.get(todo.pop())
        base = b.find(_W + "basedOn") if b is not None else None
        if base is not None and base.get(_W + "val", "") not in wanted:
            wanted.add(base.get(_W + "val", ""))
            todo.append(base.get(_W + "val", ""))
    for sid in wanted:
        st = by_id.get(sid)
        if st is None:
            continue
        name_el = st.find(_W + "name")
        name = name_el.get(_W + "val", sid) if name_el is not None else sid
        names[sid] = name
        b = st.find(_W + "basedOn")
        if b is not None:
            based[sid] = b.get(_W + "val", "")
        m = re.match(r"(?i)heading\s*(\d)$", name) or re.match(r"(?i)heading(\d)$", sid)
        if m:
            levels[sid] = int(m.group(1))
        ol = st.find(f"{_W}pPr/{_W}outlineLvl")
        if (
            ol is not None
            and (ol.get(_W + "val") or "").isdigit()
            and int(ol.get(_W + "val") or 9) < 9
        ):
            levels.setdefault(sid, int(ol.get(_W + "val") or 0) + 1)
        rpr = st.find(_W + "rPr")
        if rpr is not None:
            if rpr.find(_W + "b") is not None:
                bold[sid] = _on(rpr.find(_W + "b"))
            f = rpr.find(_W + "rFonts")
            if f is not None and (f.get(_W + "ascii") or f.get(_W + "hAnsi")):
                fonts[sid] = f.get(_W + "ascii") or f.get(_W + "hAnsi") or ""
    # inherit through basedOn (bounded: styles form a short chain)
    for sid in list(names):
        cur, seen = sid, 0
        while cur in based and seen < 10:
            cur = based[cur]
            seen += 1
            bold.setdefault(sid, bold.get(cur, False))
            if cur in fonts:
                fonts.setdefault(sid, fonts[cur])
            if cur in levels:
                levels.setdefault(sid, levels[cur])
    return _Styles(names, levels, bold, fonts, default_font, default_para)


class _Reader:
    def __init__(self, styles: _Styles, deadline: Deadline) -> None:
        self.st = styles
        self.deadline = deadline
        self.legacy_runs = 0

    def paragraph(self, p: etree._Element) -> Block:
        ppr = p.find(_W + "pPr")
        sid = self.st.default_para
        numbered = False
        align = None
        if ppr is not None:
            ps = ppr.find(_W + "pStyle")
            if ps is not None:
                sid = ps.get(_W + "val", "")
            numbered = ppr.find(_W + "numPr") is not None
            jc = ppr.find(_W + "jc")
            if jc is not None:
                align = jc.get(_W + "val")
        level = self.st.levels.get(sid)
        if ppr is not None:
            ol = ppr.find(_W + "outlineLvl")
            if (
                ol is not None
                and (ol.get(_W + "val") or "").isdigit()
                and int(ol.get(_W + "val") or 9) < 9
            ):
                level = int(ol.get(_W + "val") or 0) + 1
        style_bold = self.st.bold.get(sid, False)
        style_font = self.st.fonts.get(sid) or self.st.default_font
        parts: list[str] = []
        all_bold = True
        any_text = False
        for r in p.iter(_W + "r"):
            # runs of nested paragraphs (text boxes) are read with their own paragraph
            rpr = r.find(_W + "rPr")
            font = style_font
            bold = style_bold
            if rpr is not None:
                f = rpr.find(_W + "rFonts")
                if f is not None:
                    font = f.get(_W + "ascii") or f.get(_W + "hAnsi") or font
                b = rpr.find(_W + "b")
                if b is not None:
                    bold = _on(b)
            run_text: list[str] = []
            for ch in r:
                tag = ch.tag
                if tag == _W + "t":
                    run_text.append(ch.text or "")
                elif tag == _W + "tab":
                    run_text.append("\t")
                elif tag in (_W + "br", _W + "cr"):
                    run_text.append("\n")
            t = "".join(run_text)
            if legacy.font_encoding(font):
                t = legacy.convert_run(t, font)
                self.legacy_runs += 1
            if t.strip():
                any_text = True
                all_bold = all_bold and bold
            parts.append(t)
        text = nfc("".join(parts))
        return Block(
            text=text,
            style=self.st.names.get(sid, sid),
            heading_level=level,
            bold=any_text and all_bold,
            numbered=numbered,
            align=align,
        )

    def cell_text(self, tc: etree._Element) -> str:
        lines = []
        for p in tc.iter(_W + "p"):
            lines.append(self.paragraph(p).text)
        return "\n".join(lines).strip()

    def table(self, tbl: etree._Element) -> Block:
        grid: Grid = []
        vmerge_above: dict[int, str] = {}
        for tr in tbl.findall(_W + "tr"):
            self.deadline.check()
            row: list[str] = []
            col = 0
            for tc in tr.findall(_W + "tc"):
                tcpr = tc.find(_W + "tcPr")
                span = 1
                vmerge_continue = False
                if tcpr is not None:
                    gs = tcpr.find(_W + "gridSpan")
                    if gs is not None and (gs.get(_W + "val") or "").isdigit():
                        span = max(1, min(int(gs.get(_W + "val") or 1), 64))
                    vm = tcpr.find(_W + "vMerge")
                    if vm is not None and vm.get(_W + "val", "continue") == "continue":
                        vmerge_continue = True
                text = vmerge_above.get(col, "") if vmerge_continue else self.cell_text(tc)
                for _ in range(span):
                    vmerge_above[col] = text
                    row.append(text)
                    col += 1
            grid.append(row)
        width = max((len(r) for r in grid), default=0)
        for r in grid:
            r.extend([""] * (width - len(r)))
        text = "\n".join("\t".join(c for c in r) for r in grid)
        return Block(text=text, grid=grid)


def _body_blocks(body: etree._Element, reader: _Reader) -> list[Block]:
    out: list[Block] = []

    def walk(parent: etree._Element) -> None:
        for el in parent:
            tag = el.tag
            if tag == _W + "p":
                reader.deadline.check()
                out.append(reader.paragraph(el))
            elif tag == _W + "tbl":
                out.append(reader.table(el))
            elif tag in (_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "ins"):
                walk(el)

    walk(body)
    return out


_TITLE_START = re.compile(r"^bao cao\b")
_HEADING_START = re.compile(r"^(phan\s+)?([ivxl]+|\d+(\.\d+)*)\s*[.)\-–:]\s*\S", re.I)


def _header_and_title(blocks: list[Block]) -> tuple[str, str, int]:
    """The issuer block (top-left), the title (lines after "BÁO CÁO" at the top), body start."""
    header = ""
    start = 0
    title_lines: list[str] = []
    for i, b in enumerate(blocks[:40]):
        if b.grid is not None:
            if not header and b.grid and b.grid[0] and b.grid[0][0].strip():
                first = b.grid[0][0]
                # the signature table at the bottom is not an issuer block
                if not fold(first).startswith("noi nhan"):
                    header = _issuer_lines(first)
            continue
        f = fold(b.text)
        if _TITLE_START.match(f):
            rest = b.text.strip()[len("BÁO CÁO") :].strip(" :-–\n")
            if rest:
                title_lines.append(rest)
            start = i + 1
            for nb in blocks[i + 1 : i + 6]:
                if nb.grid is not None:
                    break
                nf = fold(nb.text)
                if not nf:
                    if title_lines:
                        break
                    start += 1
                    continue
                if (
                    nf.startswith("kinh gui")
                    or nf.startswith("thuc hien")
                    or nf.startswith("can cu")
                    or _HEADING_START.match(nf)
                    or nb.heading_level is not None
                    or (len(nf) > 200)
                ):
                    break
                title_lines.append(nb.text.strip())
                start += 1
            if not header:
                header = _issuer_lines("\n".join(x.text for x in blocks[:i] if x.grid is None))
            break
    return header, "\n".join(title_lines), start


_RULE = re.compile(r"^[\s_\-–—=*.]+$")


def _issuer_lines(text: str) -> str:
    """Keep the issuer's lines: drop rules ("———"), the document number and the motto."""
    keep = []
    for line in text.splitlines():
        s = line.strip()
        if not s or _RULE.match(s):
            continue
        f = fold(s)
        if f.startswith("so:") or f.startswith("so ") and "/" in f:
            break
        if f.startswith("cong hoa xa hoi") or f.startswith("doc lap"):
            break
        keep.append(s)
    return "\n".join(keep)


def read_docx(
    data: bytes, *, limits: Limits | None = None, deadline: Deadline | None = None
) -> DocxContent:
    """Read a .docx/.docm (bytes) into blocks; raises `guard.AttachmentError` on hostile input."""
    limits = limits or Limits()
    deadline = deadline or Deadline(limits.time_limit)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise Unparseable(
            f"Tệp Word bị hỏng hoặc không đầy đủ (không đọc được nén zip) / corrupt or truncated .docx: {exc}"
        ) from exc
    with zf:
        check_zip(zf, limits)
        main = _main_part(zf)
        try:
            doc = _xml(zf, main, limits)
            used = (
                {v for el in doc.iter(_W + "pStyle") if (v := el.get(_W + "val")) is not None}
                if doc is not None
                else set()
            )
            styles = _styles(_xml(zf, "word/styles.xml", limits), used)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise Unparseable(f"Tệp Word bị hỏng / corrupt .docx: {exc}") from exc
        except RuntimeError as exc:  # zipfile: encrypted member
            raise Unparseable(f"Tệp Word không đọc được / unreadable .docx: {exc}") from exc
    if doc is None:
        raise Unparseable(
            "Tệp không phải văn bản Word (thiếu word/document.xml) / not a Word document"
        )
    body = doc.find(_W + "body")
    if body is None:
        raise Unparseable("Tệp Word không có nội dung (thiếu w:body) / .docx has no body")
    reader = _Reader(styles, deadline)
    blocks = _body_blocks(body, reader)
    # text whose legacy font was lost (pasted): guess by statistics, paragraph by paragraph
    if not reader.legacy_runs:
        sample = "\n".join(b.text for b in blocks[:80])
        if legacy.guess_encoding(sample):
            for b in blocks:
                b.text = legacy.to_unicode(b.text)
                if b.grid is not None:
                    b.grid = [[legacy.to_unicode(c) for c in r] for r in b.grid]
    header, title, start = _header_and_title(blocks)
    text = "\n".join(b.text for b in blocks)
    return DocxContent(
        blocks=blocks,
        header_block=header,
        title=title,
        text=text,
        legacy_runs=reader.legacy_runs,
        body_start=start,
    )


def _main_part(zf: zipfile.ZipFile) -> str:
    """The main document part named by [Content_Types].xml (docx and docm differ), else the usual name."""
    names = set(zf.namelist())
    if "word/document.xml" in names:
        return "word/document.xml"
    for n in names:
        if re.match(r"word/document\d*\.xml$", n):
            return n
    return "word/document.xml"
