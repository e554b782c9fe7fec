"""Shared fixtures: a configured App over a temporary store, and the sample case imported."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from casedata import CASE, PROVINCE, province_config  # noqa: E402
from smtp_sink import smtp_sink  # noqa: E402, F401 - the fixture, for every test

from cchc.app import App  # noqa: E402
from cchc.core.config import load_config  # noqa: E402


def write_config(folder: Path, units: Path | None = None, extra: str = "") -> Path:
    units = units or (CASE / "units.toml")
    path = folder / "config.toml"
    path.write_text(
        f'[units]\nfile = "{units.resolve()}"\n[store]\npath = "db.sqlite"\narchive = "archive"\n{extra}',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    application = App(load_config(write_config(tmp_path)))
    yield application
    application.close()


@pytest.fixture(scope="session")
def case_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The whole sample year imported once (about 5 s); tests must not change it."""
    from cchc.importer import import_paths

    folder = tmp_path_factory.mktemp("case")
    application = App(load_config(write_config(folder)))
    import_paths(application, [CASE / "messages"])
    yield application
    application.close()


@pytest.fixture(scope="session")
def province_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The province-2026 case imported once under its profile; tests must not change it."""
    from cchc.importer import import_paths

    application = App(load_config(province_config(tmp_path_factory.mktemp("province"))))
    import_paths(application, [PROVINCE / "messages"])
    yield application
    application.close()
