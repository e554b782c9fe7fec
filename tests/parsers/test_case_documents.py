"""The sample case's document attachments: kind and missing outline sections as expected.json says."""

from __future__ import annotations

import pytest

from parsers.registry import parse_attachment
from tests.casedata import CaseAttachment, case_attachments

DOCUMENTS = [
    a
    for a in case_attachments()
    if a.filename.lower().rsplit(".", 1)[-1] in ("docx", "docm", "zip")
]


def _id(a: CaseAttachment) -> str:
    return a.message_file.split("/")[-1][:40]


@pytest.mark.parametrize("att", DOCUMENTS, ids=_id)
def test_case_document_kind_and_outline_missing(att: CaseAttachment) -> None:
    pa = parse_attachment(att.filename, att.data)
    ok = [att.expect["kind"], *(att.expect.get("kind_also_ok") or [])]
    assert pa.kind in ok, pa.error
    if pa.kind == "outline":
        assert pa.outline is not None
        assert set(pa.outline.missing) == set(att.expect.get("outline_missing") or [])
    if att.expect.get("onestop_rows"):  # Phụ lục 2 as a table inside the Word file
        assert pa.onestop is not None
        assert len(pa.onestop) == len(att.expect["onestop_rows"])


def test_case_has_documents_to_check() -> None:
    assert len(DOCUMENTS) >= 80
