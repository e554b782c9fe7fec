"""Fixtures for the web page: real servers on 127.0.0.1 (a free port each), in a thread.

`case_web` serves the session's `case_app` store (read-only: no test may decide anything
there); `fresh_web` serves a new store holding a few case messages, for tests that write.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from casedata import CASE
from conftest import write_config

from cchc.app import App
from cchc.core.config import Config, load_config
from cchc.importer import import_paths
from cchc.web import RunningServer, start
from cchc.web.site import Web

PASSWORD = "mật khẩu thử 2024!"
STAFF = "Nguyễn Thị Hoa"
FRESH_MESSAGES = ("013-", "064-")  # a content match (Thuận Hạnh) and an unknown sender (Q3)


@dataclass
class Served:
    server: RunningServer
    config: Config

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def web(self) -> Web:
        """The running page's shared state (its sessions and login throttle)."""
        web: Web = self.server.server.config.app.state.web
        return web


def web_config(path: Path) -> Config:
    return load_config(path, env={"CCHC_WEB_PASSWORD": PASSWORD})


@pytest.fixture(scope="session")
def case_web(case_app: App) -> Iterator[Served]:
    config = web_config(case_app.config.path)
    server = start(config, port=0)
    yield Served(server, config)
    server.stop()


@pytest.fixture
def fresh_web(tmp_path: Path) -> Iterator[Served]:
    config = web_config(write_config(tmp_path))
    app = App(config)
    files = [
        p for p in sorted((CASE / "messages").glob("*.eml")) if p.name.startswith(FRESH_MESSAGES)
    ]
    import_paths(app, files)
    app.close()
    server = start(config, port=0)
    yield Served(server, config)
    server.stop()


@pytest.fixture
def serve_with(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], Served]:
    """A page over an empty store with `extra` configuration (e.g. a `[web]` section)."""

    def serve(extra: str = "") -> Served:
        folder = tmp_path / f"site{len(list(tmp_path.glob('site*')))}"
        folder.mkdir()
        config = web_config(write_config(folder, extra=extra))
        server = start(config, host="127.0.0.1", port=0)
        request.addfinalizer(server.stop)
        return Served(server, config)

    return serve


def form_token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def login(client: httpx.Client, user: str = STAFF, password: str = PASSWORD) -> str:
    """Log in through the form; return the session's CSRF token (from the review page)."""
    page = client.get("/login")
    reply = client.post(
        "/login",
        data={"csrf": form_token(page.text), "user": user, "password": password, "next": "/"},
    )
    assert reply.status_code == 303, reply.text
    return form_token(client.get("/review").text)


@pytest.fixture
def staff_client(case_web: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=case_web.url, timeout=30) as client:
        login(client)
        yield client
