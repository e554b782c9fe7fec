"""The three export buttons: the same library functions as `cchc export`, into bytes.

The files are built in memory and sent as they are: nothing from the request becomes a path.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cchc.core.errors import CchcError


class ExportUnavailable(CchcError):
    """This export is not installed in this build."""


@dataclass(frozen=True)
class Export:
    kind: str
    scope: str  # "period" | "year"
    ext: str
    label: str  # the button, in Vietnamese
    stem: str  # the download's file name, before the period/year

    def filename(self, arg: str) -> str:
        return f"{self.stem} {arg}.{self.ext}"

    @property
    def media_type(self) -> str:
        return {
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }[self.ext]


EXPORTS: dict[str, Export] = {
    "onestop": Export(
        "onestop",
        "period",
        "xlsx",
        "Bảng tổng hợp Phụ lục 2 (một cửa)",
        "Tong hop Phu luc 2 - mot cua",
    ),
    "narrative": Export(
        "narrative",
        "period",
        "docx",
        "Tổng hợp báo cáo theo đề cương (Phụ lục 1)",
        "Tong hop bao cao CCHC",
    ),
    "compliance": Export(
        "compliance",
        "year",
        "xlsx",
        "Bảng theo dõi nộp báo cáo cả năm",
        "Theo doi nop bao cao CCHC",
    ),
}


# Each export's library function: `cchc.exports.<module>.<function>(app, period_id | year) -> bytes`,
# the same ones `cchc export` writes to a file.
_FUNCTIONS = {
    "onestop": ("cchc.exports.onestop", "build_onestop_xlsx"),
    "narrative": ("cchc.exports.narrative", "build_narrative_docx"),
    "compliance": ("cchc.exports.compliance", "build_compliance_xlsx"),
}


def _function(kind: str) -> Callable[..., bytes]:
    module_name, name = _FUNCTIONS[kind]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ExportUnavailable(f"export {kind!r} is not available in this build: {exc}") from exc
    fn = getattr(module, name, None)
    if not callable(fn):
        raise ExportUnavailable(f"{module_name} has no {name}")
    return fn


def available(kind: str) -> bool:
    try:
        _function(kind)
    except ExportUnavailable:
        return False
    return True


def build(app: Any, kind: str, arg: str | int) -> bytes:
    """Run export `kind` for a period id (or a year) and return the file's bytes."""
    data = _function(kind)(app, arg)
    if not isinstance(data, bytes | bytearray):
        raise ExportUnavailable(f"export {kind!r} returned {type(data).__name__}, not bytes")
    return bytes(data)
