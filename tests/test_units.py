"""Unit lists from .toml, .csv and .xlsx (SPEC §3)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from casedata import CASE

from cchc.core.errors import UnitsError
from cchc.core.units import load_units


def test_the_district_unit_list_loads() -> None:
    units = load_units(CASE / "units.toml").units
    assert len(units) == 22
    assert {u.group for u in units} == {"huyen", "xa"}


def test_csv_with_semicolon_lists_and_dates(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text(
        "code,name,group,emails,aliases,active_from,active_until,successor\n"
        "xa-a,UBND xã An,xa,a@x.vn;a2@x.vn,An;Xã An,,2025-06-30,xa-b\n"
        "xa-b,UBND xã Bình,xa,b@x.vn,,2025-07-01,,\n",
        encoding="utf-8",
    )
    a, b = load_units(path).units
    assert a.emails == ("a@x.vn", "a2@x.vn") and a.aliases == ("An", "Xã An")
    assert str(a.active_until) == "2025-06-30" and a.successor == "xa-b"
    assert str(b.active_from) == "2025-07-01"


def test_xlsx_with_a_header_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["code", "name", "group", "emails", "aliases"])
    ws.append(["tu-phap", "Phòng Tư pháp", "huyen", "tp@x.vn", "Tư pháp"])
    wb.save(tmp_path / "units.xlsx")
    (u,) = load_units(tmp_path / "units.xlsx").units
    assert (u.code, u.emails, u.aliases) == ("tu-phap", ("tp@x.vn",), ("Tư pháp",))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[unit]]\ncode = "a"\nname = "A"\ngroup = "tinh"\n', "group"),
        (
            '[[unit]]\ncode = "a"\nname = "A"\ngroup = "xa"\n[[unit]]\ncode = "a"\nname = "B"\ngroup = "xa"\n',
            "hai lần",
        ),
        ('[[unit]]\ncode = "a"\nname = "A"\ngroup = "xa"\nsuccessor = "zz"\n', "kế thừa"),
        (
            '[[unit]]\ncode = "a"\nname = "A"\ngroup = "xa"\nactive_from = "mai"\n',
            "không phải ngày",
        ),
    ],
)
def test_a_bad_unit_list_is_refused_with_a_reason(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "units.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UnitsError, match=message):
        load_units(path)
