"""Units that must report: loaded from .toml, .csv or .xlsx into plain dataclasses.

Nothing about the organisation is hard-coded (SPEC §3): codes, names, addresses, aliases and
active dates all come from the file, and units are reorganised (`active_until`, `successor`).
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cchc.core.errors import UnitsError
from cchc.core.text import nfc

SEED_GROUPS = ("huyen", "xa")  # without [[groups]] in the configuration


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    group: str
    emails: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    active_from: date | None = None
    active_until: date | None = None
    successor: str | None = None

    def active_on(self, day: date) -> bool:
        """A unit reports for a period whose due date falls inside its active dates."""
        if self.active_from and day < self.active_from:
            return False
        return not (self.active_until and day > self.active_until)


@dataclass
class UnitList:
    units: list[Unit] = field(default_factory=list)


def normalise_address(address: str) -> str:
    """Case-insensitive; for gmail.com/googlemail.com, dots and a +tag in the local part ignored."""
    address = address.strip().strip("<>").lower()
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    if domain in ("gmail.com", "googlemail.com"):
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def _date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise UnitsError(f"{where}: không phải ngày (YYYY-MM-DD): {value!r}") from None


def _list(value: Any) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        value = re.split(r"[;\n]|,(?=\s*\S+@)", value)
    return tuple(nfc(str(v).strip()) for v in value if str(v).strip())


def _unit(row: dict[str, Any], where: str, groups: Sequence[str]) -> Unit:
    code = str(row.get("code") or "").strip()
    name = nfc(str(row.get("name") or "").strip())
    group = str(row.get("group") or "").strip()
    if not code:
        raise UnitsError(f"{where}: một đơn vị không có `code`")
    if not name:
        raise UnitsError(f"{where}: đơn vị {code} không có `name`")
    if group not in groups:
        raise UnitsError(
            f"{where}: đơn vị {code}: nhóm {group!r} không phải nhóm nào của cơ quan "
            f"({', '.join(groups)}; xem [[groups]] trong tệp cấu hình)"
        )
    return Unit(
        code=code,
        name=name,
        group=group,
        emails=_list(row.get("emails")),
        aliases=_list(row.get("aliases")),
        active_from=_date(row.get("active_from"), f"{where}: đơn vị {code} active_from"),
        active_until=_date(row.get("active_until"), f"{where}: đơn vị {code} active_until"),
        successor=(str(row.get("successor")).strip() or None) if row.get("successor") else None,
    )


def _rows_toml(path: Path) -> list[dict[str, Any]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UnitsError(f"{path}: không đúng cú pháp TOML: {exc}") from None
    rows = data.get("unit")
    if not isinstance(rows, list):
        raise UnitsError(f"{path}: không có bảng [[unit]] nào")
    return rows


def _rows_csv(path: Path) -> list[dict[str, Any]]:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    sample = text[:2048]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [
        {(k or "").strip().lower(): v for k, v in row.items()}
        for row in csv.DictReader(io.StringIO(text), dialect=dialect)
    ]


def _rows_xlsx(path: Path) -> list[dict[str, Any]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
        raise UnitsError(f"{path}: không đọc được bảng tính: {exc}") from None
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    if not rows:
        return []
    header = [str(c or "").strip().lower() for c in rows[0]]
    return [
        dict(zip(header, r, strict=False)) for r in rows[1:] if any(c not in (None, "") for c in r)
    ]


def load_units(path: str | Path, groups: Sequence[str] = SEED_GROUPS) -> UnitList:
    """Read and check a unit list; every unit's group must be one of `groups` (abolished
    units' too)."""
    path = Path(path)
    if not path.is_file():
        raise UnitsError(f"{path}: không tìm thấy tệp")
    suffix = path.suffix.lower()
    if suffix == ".toml":
        rows = _rows_toml(path)
    elif suffix == ".csv":
        rows = _rows_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _rows_xlsx(path)
    else:
        raise UnitsError(f"{path}: hãy dùng tệp .toml, .csv hoặc .xlsx")
    units = [_unit(row, f"{path} (đơn vị thứ {i + 1})", groups) for i, row in enumerate(rows)]
    seen: dict[str, Unit] = {}
    addresses: dict[str, str] = {}
    for u in units:
        if u.code in seen:
            raise UnitsError(f"{path}: mã đơn vị {u.code} xuất hiện hai lần")
        seen[u.code] = u
        for e in u.emails:
            key = normalise_address(e)
            if key in addresses and addresses[key] != u.code:
                raise UnitsError(f"{path}: địa chỉ {e} thuộc cả {addresses[key]} và {u.code}")
            addresses[key] = u.code
    for u in units:
        if u.successor and u.successor not in seen:
            raise UnitsError(
                f"{path}: đơn vị {u.code}: đơn vị kế thừa {u.successor} không phải mã đơn vị nào"
            )
        if u.active_from and u.active_until and u.active_until < u.active_from:
            raise UnitsError(f"{path}: đơn vị {u.code}: active_until trước active_from")
    return UnitList(units)
