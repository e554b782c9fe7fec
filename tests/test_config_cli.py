"""Configuration validation and the CLI's contract (exit codes, help with examples)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cchc.cli import cli
from cchc.core.config import load_config
from cchc.core.errors import ConfigError


def test_relative_paths_are_relative_to_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('[store]\npath = "x/db.sqlite"\n', encoding="utf-8")
    assert load_config(tmp_path / "c.toml").store.path == (tmp_path / "x" / "db.sqlite").resolve()


def test_secrets_come_only_from_the_named_environment_variable(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('[imap]\npassword_env = "MY_PW"\n', encoding="utf-8")
    assert load_config(tmp_path / "c.toml", env={"MY_PW": "s3cret"}).imap.password == "s3cret"
    assert load_config(tmp_path / "c.toml", env={}).imap.password is None


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[imap]\nport = "993"\n', "imap.port"),
        ('[imap]\nsecurity = "tls"\n', "imap.security"),
        ('[calendar]\nannual_due = "5/11"\n', "calendar.annual_due"),
        ('[calendar]\nreminder_time = "8h"\n', "calendar.reminder_time"),
        ('[office]\ntimezone = "Mars/Base"\n', "office.timezone"),
        ("[imap]\npasword_env = 'X'\n", "imap.pasword_env"),
        ("[parse]\nocr_dpi = 2400\n", "parse.ocr_dpi"),
        ('[parse]\nocr = "yes"\n', "parse.ocr"),
    ],
)
def test_a_bad_key_is_named_with_the_file(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert key in str(info.value) and str(path) in str(info.value)


def test_ocr_settings_default_to_on_30_pages_300_seconds_300_dpi(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text("", encoding="utf-8")
    parse = load_config(tmp_path / "c.toml").parse
    assert (parse.ocr, parse.ocr_max_pages, parse.ocr_timeout_seconds, parse.ocr_dpi) == (
        True,
        30,
        300.0,
        300,
    )
    assert parse.timeout_seconds == 60.0 and parse.tesseract == "tesseract"


def test_cli_reports_a_bad_config_in_one_line_with_exit_code_2(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[imap]\nport = "x"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["status", "--config", str(path), "--period", "2025-Q1"])
    assert result.exit_code == 2
    assert "imap.port" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_missing_config_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["review", "--config", str(tmp_path / "none.toml")])
    assert result.exit_code == 2 and "cchc init" in result.output


def test_cli_bad_period_exits_2(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text("", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["status", "--config", str(tmp_path / "c.toml"), "--period", "2025-Q4"]
    )
    assert result.exit_code == 2 and "2025-Q4" in result.output


def _commands(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    import click

    out = []
    assert isinstance(group, click.Group)
    for name, cmd in group.commands.items():
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, (*prefix, name)))
    return out


@pytest.mark.parametrize("path", _commands(cli), ids=" ".join)
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    if path not in (("units",),):
        assert "Example:" in result.output


def test_init_writes_a_config_that_loads(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", "--config", str(tmp_path / "config.toml")])
    assert result.exit_code == 0, result.output
    config = load_config(tmp_path / "config.toml")
    assert config.units_file == (tmp_path / "units.toml").resolve()
    assert config.store.path.exists()


@pytest.mark.parametrize("path", [(), ("status",), ("review", "assign"), ("export", "onestop")])
def test_dash_h_is_help_everywhere(path: tuple[str, ...]) -> None:
    short = CliRunner().invoke(cli, [*path, "-h"])
    assert short.exit_code == 0 and "Usage:" in short.output
    assert short.output == CliRunner().invoke(cli, [*path, "--help"]).output


def test_config_example_documents_every_key_and_loads(tmp_path: Path) -> None:
    import re

    from cchc.core.config import _GROUP_KEYS, _KNOWN

    example = Path(__file__).resolve().parent.parent / "config.example.toml"
    text = example.read_text(encoding="utf-8")
    keys = {k for section in _KNOWN.values() for k in section} | _GROUP_KEYS
    silent = sorted(k for k in keys if not re.search(rf"(?m)^\s*#?\s*{k}\s*=|^\[\w+\.{k}\]", text))
    assert silent == []
    config = load_config(example)
    assert config.calendar.rules == (
        ("Q1", "02-18"),
        ("H1", "05-18"),
        ("Q3", "08-18"),
        ("Y", "11-05"),
    )
    assert [g.id for g in config.groups] == ["huyen", "xa"]


@pytest.mark.parametrize("profile", ["daksong-2017", "province-2026"])
def test_init_with_a_profile_writes_a_config_that_opens(tmp_path: Path, profile: str) -> None:
    from cchc.app import App

    config_path = tmp_path / "config.toml"
    result = CliRunner().invoke(cli, ["init", "--profile", profile, "--config", str(config_path)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.iterdir()} >= {"units.toml", "outline.toml", "onestop.toml"}
    app = App(load_config(config_path))
    try:
        assert app.units and app.specs.outline.sections
    finally:
        app.close()


def test_profiles_lists_the_shipped_profiles() -> None:
    result = CliRunner().invoke(cli, ["profiles"])
    assert result.exit_code == 0
    assert [line.split("\t")[0] for line in result.output.splitlines()] == [
        "daksong-2017",
        "province-2026",
    ]


def test_an_unknown_profile_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["init", "--profile", "hanoi", "--config", str(tmp_path / "c.toml")]
    )
    assert result.exit_code == 2 and "province-2026" in result.output


def test_a_unit_in_a_group_the_office_does_not_have_stops_units_import(tmp_path: Path) -> None:
    units = tmp_path / "units.toml"
    units.write_text(
        '[[unit]]\ncode = "so-y-te"\nname = "Sở Y tế"\ngroup = "so"\n', encoding="utf-8"
    )
    (tmp_path / "c.toml").write_text('[store]\npath = "db.sqlite"\narchive = "a"\n', "utf-8")
    result = CliRunner().invoke(
        cli, ["units", "import", "--config", str(tmp_path / "c.toml"), str(units)]
    )
    assert result.exit_code == 2 and "so-y-te" in result.output and "'so'" in result.output
