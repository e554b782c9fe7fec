"""The export buttons: the same library functions as `cchc export`, into bytes.

The files are built in memory and sent as they are: nothing from the request becomes a path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cchc.context import Context
from cchc.exports.compliance import build_compliance_xlsx
from cchc.exports.narrative import build_narrative_docx
from cchc.exports.onestop import build_onestop_xlsx
from cchc.exports.proposal import build_proposal_docx

MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class Export:
    kind: str
    scope: str  # "period" | "year"
    ext: str
    label: str  # the button, in Vietnamese
    stem: str  # the download's file name, before the period/year
    build: Callable[[Context, str | int], bytes]  # (context, period id | year) -> file bytes

    def filename(self, arg: str) -> str:
        return f"{self.stem} {arg}.{self.ext}"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.ext]


def _onestop(ctx: Context, arg: str | int) -> bytes:
    return build_onestop_xlsx(ctx, str(arg))


def _narrative(ctx: Context, arg: str | int) -> bytes:
    return build_narrative_docx(ctx, str(arg))


def _compliance(ctx: Context, arg: str | int) -> bytes:
    return build_compliance_xlsx(ctx, int(arg))


def _proposal(ctx: Context, arg: str | int) -> bytes:
    return build_proposal_docx(ctx, int(arg))


EXPORTS: dict[str, Export] = {
    "onestop": Export(
        "onestop",
        "period",
        "xlsx",
        "Bảng tổng hợp Phụ lục 2 (một cửa)",
        "Tong hop Phu luc 2 - mot cua",
        _onestop,
    ),
    "narrative": Export(
        "narrative",
        "period",
        "docx",
        "Tổng hợp báo cáo theo đề cương (Phụ lục 1)",
        "Tong hop bao cao CCHC",
        _narrative,
    ),
    "compliance": Export(
        "compliance",
        "year",
        "xlsx",
        "Bảng theo dõi nộp báo cáo cả năm",
        "Theo doi nop bao cao CCHC",
        _compliance,
    ),
    "proposal": Export(
        "proposal",
        "year",
        "docx",
        "Dự thảo báo cáo đề xuất xử lý đơn vị chậm, thiếu báo cáo (cả năm)",
        "De xuat xu ly don vi cham bao cao CCHC",
        _proposal,
    ),
}


def build(ctx: Context, kind: str, arg: str | int) -> bytes:
    """Run export `kind` for a period id (or a year) and return the file's bytes."""
    return EXPORTS[kind].build(ctx, arg)
