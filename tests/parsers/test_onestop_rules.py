"""One-stop checks are data (SPEC §9): rules as linear equations, refused rules, and the
province's template read end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from cchc.core.errors import ConfigError
from parsers.onestop import load_spec, parse_onestop
from parsers.onestop.rules import parse_rule

DATA = Path(__file__).resolve().parent.parent / "data" / "cases" / "province-2026"
PROVINCE = load_spec(DATA / "onestop.toml")
HEADER = [
    ["STT", "Tên đơn vị", "Số TTHC", "Số hồ sơ tiếp nhận", "", "", "", "Số hồ sơ đã giải quyết",
     "", "", "", "Đã trả", "Chưa trả", "Số hồ sơ đang giải quyết", "", "Ghi chú"],
    ["STT", "Tên đơn vị", "Số TTHC", "Tồn kỳ trước", "Trực tuyến", "Trực tiếp, bưu chính",
     "Tiếp nhận mới", "Trước hẹn", "Đúng hẹn", "Trễ hẹn", "%", "Đã trả", "Chưa trả",
     "Chưa đến hạn", "Quá hạn", "Ghi chú"],
]  # fmt: skip


def _row(name: str, online: str, direct: str, received: str) -> list[str]:
    # carried 5 + received = 40 + 3 + 0 + pending 2 + 0; returned 40 + 3 = 43
    return ["1", name, "10", "5", online, direct, received, "40", "3", "0", "100%", "43", "0",
            str(5 + int(received) - 43), "0", ""]  # fmt: skip


def test_a_linear_equation_of_the_template_is_checked_without_code() -> None:
    """GIVEN the province's `channels` rule, received = received_online + received_direct,
    WHEN a Word table (every cell text, a "%" in the data rows) breaks it THEN the row is read
    and the finding is onestop.channels."""
    good = _row("Sở Y tế", "20", "20", "40")
    bad = _row("Sở Tư pháp", "20", "21", "40")
    parse = parse_onestop([[*HEADER, good, bad]], PROVINCE)
    assert parse is not None and [r["unit_name"] for r in parse.rows] == ["Sở Y tế", "Sở Tư pháp"]
    failing = [(f.code, f.detail["row"]) for f in parse.findings if f.detail]
    assert failing == [("onestop.channels", "Sở Tư pháp")]


@pytest.mark.parametrize(
    ("rule", "form"),
    [
        ("a + b = c + d", "equation"),
        ("a = 2 * b - c, within 1", "equation"),
        ("rate = 100 * (a + b) / (a + b + c), within 0.5", "percent"),
        ("every count is a whole number >= 0", "non_negative"),
        ("a 'Tổng' / 'Cộng' row equals the sum of the rows it totals", "totals"),
    ],
)
def test_rules_of_each_form_are_understood(rule: str, form: str) -> None:
    assert parse_rule(rule).form == form


@pytest.mark.parametrize("rule", ["a > b", "a + = b", "sum of the rows", "A = b", "a = b = c"])
def test_a_rule_that_is_not_one_of_them_is_refused(rule: str) -> None:
    with pytest.raises(ValueError):
        parse_rule(rule)


def test_a_template_with_a_bad_check_stops_naming_the_file_and_the_check(tmp_path: Path) -> None:
    text = (DATA / "onestop.toml").read_text(encoding="utf-8")
    bad = tmp_path / "onestop.toml"
    bad.write_text(text + '\n[[check]]\nid = "mine"\nrule = "received > 0"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_spec(bad)
    assert "check mine" in str(info.value) and str(bad) in str(info.value)


def test_a_check_naming_an_unknown_column_is_refused(tmp_path: Path) -> None:
    text = (DATA / "onestop.toml").read_text(encoding="utf-8")
    bad = tmp_path / "onestop.toml"
    bad.write_text(text + '\n[[check]]\nid = "x"\nrule = "received = recieved_online"\n', "utf-8")
    with pytest.raises(ConfigError, match="recieved_online"):
        load_spec(bad)
