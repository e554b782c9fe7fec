"""What a clerk reads on the command line is Vietnamese from start to end, names the key,
file or value at fault, and never shows the raw bytes of a server's reply (issue 12, item 13)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from casedata import CASE
from click.testing import CliRunner
from conftest import write_config
from imapclient.exceptions import LoginError

from cchc.cli import cli
from cchc.core.errors import UnitsError
from cchc.core.units import load_units
from ingest.imap import error_text

# Words that would betray an English sentence in a clerk's line (keys such as imap.port and
# command names such as `cchc rebuild` are not sentences and are allowed).
ENGLISH = re.compile(
    r"\b(error|not|no such|cannot|unknown|already|appears|twice|invalid|missing|use|the|"
    r"is|are|must|should|found|exist|exists)\b",
    re.I,
)
VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)


def clerk_line(output: str) -> str:
    """The single line a clerk sees, without paths and quoted values (those are theirs)."""
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    line = re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`|\S*/\S*|\S+\.\S+", "", lines[0])
    return line


def assert_vietnamese(output: str) -> None:
    line = clerk_line(output)
    assert VIETNAMESE.search(line), output
    assert not ENGLISH.search(line), (ENGLISH.search(line), output)


def test_an_unknown_config_key_is_one_vietnamese_line_naming_the_key(tmp_path: Path) -> None:
    config = write_config(tmp_path, extra="[imap]\nhots = 'imap.gmail.com'\n")
    result = CliRunner().invoke(cli, ["review", "--config", str(config)])
    assert result.exit_code == 2
    assert "configuration error" not in result.output
    assert "imap.hots" in result.output and str(config) in result.output
    assert_vietnamese(result.output)


def test_a_unit_code_listed_twice_is_said_in_vietnamese_with_the_file(tmp_path: Path) -> None:
    units = tmp_path / "units.toml"
    units.write_text(
        '[[unit]]\ncode = "noi-vu"\nname = "Phòng Nội vụ"\ngroup = "phong"\n'
        '[[unit]]\ncode = "noi-vu"\nname = "Phòng Nội vụ (2)"\ngroup = "phong"\n',
        encoding="utf-8",
    )
    with pytest.raises(UnitsError) as info:
        load_units(units)
    message = str(info.value)
    assert "noi-vu" in message and str(units) in message
    assert "appears twice" not in message
    assert_vietnamese(message)


@pytest.mark.parametrize(
    "reply",
    [
        b"[AUTHENTICATIONFAILED] Invalid credentials",
        "b'[AUTHENTICATIONFAILED] Invalid credentials'",
        'b"[AUTHENTICATIONFAILED] Invalid credentials"',
    ],
)
def test_a_server_reply_given_as_bytes_is_shown_as_its_text(reply: bytes | str) -> None:
    assert error_text(LoginError(reply)) == "[AUTHENTICATIONFAILED] Invalid credentials"


def test_a_reply_that_only_starts_like_bytes_is_left_as_it_is() -> None:
    assert error_text(LoginError("b'half")) == "b'half"
    assert error_text(LoginError("")) == "LoginError"


def _bad_invocations(tmp_path: Path) -> list[list[str]]:
    config = str(write_config(tmp_path))
    one = CASE / "messages" / "002-xa-dak-ndrung-q1.eml"
    assert CliRunner().invoke(cli, ["import", "--config", config, str(one)]).exit_code == 0
    return [
        ["status", "--config", config, "--period", "2025-Q5"],
        ["status", "--config", config, "--period", "2025-Q1", "--at", "hôm qua"],
        ["review", "assign", "--config", config, "<khong-co@x>", "phong-xyz"],
        ["review", "assign", "--config", config, "--force", "1", "phong-xyz"],
        ["export", "compliance", "--config", config, "--year", "năm ngoái", "-o", "x.xlsx"],
        ["init", "--config", config],
        ["init", "--profile", "khong-co", "--config", str(tmp_path / "new.toml")],
        ["status", "--config", config, "--khong-co"],
        ["khong-co"],
        ["review", "assign"],
    ]


def test_every_refusal_on_the_command_line_is_one_vietnamese_line(tmp_path: Path) -> None:
    for args in _bad_invocations(tmp_path):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
        assert_vietnamese(result.output)
