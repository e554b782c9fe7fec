"""The sample case's one-stop tables: rows and failed checks as expected.json says.

Every attachment whose expectation carries `onestop_rows` is read through the same path the
service uses for its format (`read_grids` for workbooks; for the .docx, its tables as grids
the way python-docx gives them), then compared: same row count, every expected key equal
(numbers within 0.01, README), and the set of failed check ids equal. Keys the expectation
does not list are allowed only if they are the documented pass-throughs (`note`, `extra*`).
"""

from __future__ import annotations

import io

import docx
import pytest
from casedata import CaseAttachment, case_attachments

from parsers.onestop import load_spec, parse_onestop
from parsers.sheets import read_grids

TOLERANCE = 0.01
CASES = [a for a in case_attachments() if a.expect.get("onestop_rows")]


def _grids(att: CaseAttachment) -> list[list[list[object]]]:
    ext = att.filename.rsplit(".", 1)[-1].lower()
    if ext == "docx":
        document = docx.Document(io.BytesIO(att.data))
        return [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    return read_grids(att.data, ext)  # type: ignore[return-value]


def _same(expected: object, found: object) -> bool:
    if isinstance(expected, int | float) and isinstance(found, int | float):
        return abs(expected - found) <= TOLERANCE
    return expected == found


def test_the_case_has_onestop_tables_in_every_format() -> None:
    exts = {a.filename.rsplit(".", 1)[-1].lower() for a in CASES}
    assert {"xlsx", "xlsm", "xls", "docx"} <= exts


@pytest.mark.parametrize("att", CASES, ids=[a.message_file.split("/")[-1] for a in CASES])
def test_case_table_rows_and_failed_checks_match_the_expectation(att: CaseAttachment) -> None:
    parse = parse_onestop(_grids(att), load_spec())
    assert parse is not None, "no one-stop header found"
    expected = att.expect["onestop_rows"]
    assert len(parse.rows) == len(expected)
    for want, got in zip(expected, parse.rows, strict=True):
        wrong = {k: (v, got.get(k)) for k, v in want.items() if not _same(v, got.get(k))}
        assert not wrong, f"row {want['unit_name']}: {wrong}"
        unexpected = {k for k in set(got) - set(want) if k != "note" and not k.startswith("extra")}
        assert not unexpected
    failed = {f.code.removeprefix("onestop.") for f in parse.findings}
    assert failed == set(att.expect.get("onestop_failed_checks") or [])


def test_outline_documents_without_the_table_give_no_rows() -> None:
    outlines = [
        a
        for a in case_attachments()
        if a.filename.lower().endswith(".docx")
        and a.expect["kind"] == "outline"
        and not a.expect.get("onestop_rows")
    ][:25]
    for att in outlines:
        try:
            grids = _grids(att)
        except Exception:  # noqa: BLE001 - broken documents are the document reader's concern
            continue
        parse = parse_onestop(grids, load_spec())
        assert parse is None or not parse.rows, att.message_file
