"""The review page at the size of a whole country: 3,300 units, hundreds of items (issue 15).

It shows one page of items at a time, filters by reason, and carries one unit list for every
item's picker, so its weight does not grow with units × items.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from casedata import CASE
from conftest import write_config

from cchc.app import App
from cchc.web import start
from cchc.web.handlers import REVIEW_PAGE
from web.conftest import Served, login, web_config

UNITS = 3300
ITEMS = 130
START = datetime.fromisoformat("2024-08-01T08:00:00+07:00")


def units_file(folder: Path) -> Path:
    path = folder / "units.toml"
    rows = [
        f'[[unit]]\ncode = "xa-{n:04d}"\nname = "UBND xã Thử Nghiệm {n:04d}"\ngroup = "xa"\n'
        f'emails = ["xa{n:04d}@example.gov.vn"]\n'
        for n in range(UNITS)
    ]
    path.write_text("\n".join(rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def big_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """ITEMS messages from as many unknown senders (one case message, copied), over 3,300
    units. The decision tests, last in the file, change it."""
    folder = tmp_path_factory.mktemp("big")
    config = web_config(write_config(folder, units=units_file(folder)))
    app = App(config)
    unknown = next((CASE / "messages").glob("064-*.eml"))  # an unknown sender's Q3 report
    (prepared,) = app.pipeline._prepare_all([(unknown.read_bytes(), "seed")])
    for n in range(ITEMS):
        sender = f"nguoi.la.{n}@gmail.com"
        facts = copy.deepcopy(prepared.facts)
        facts.clues["from"] = sender
        one = dataclasses.replace(
            prepared, digest=f"d{n}", message_id=f"<item-{n:03d}@x>", from_addr=sender, facts=facts
        )
        app.pipeline.commit(one, source=f"s{n}", arrived=START + timedelta(minutes=n))
    app.update()
    app.close()
    server = start(config, port=0)
    yield Served(server, config)
    server.stop()


@pytest.fixture
def client(big_web: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=big_web.url, timeout=30) as c:
        login(c)
        yield c


def items_on(html: str) -> list[str]:
    """The items shown, in order (each item has a form per action)."""
    found = re.findall(r'name="message" value="(&lt;item-\d+@x&gt;)"', html)
    return list(dict.fromkeys(found))


def test_a_page_holds_one_page_of_items_and_one_unit_list(client: httpx.Client) -> None:
    page = client.get("/review")
    assert page.status_code == 200
    assert len(items_on(page.text)) == REVIEW_PAGE
    assert page.text.count("<datalist") == 1
    assert page.text.count("<option ") == UNITS
    assert len(page.content) < 1_000_000
    pages = -(-ITEMS // REVIEW_PAGE)
    assert f"Trang 1/{pages}" in page.text and f"Thư cần xem xét ({ITEMS})" in page.text
    assert '<a href="/review?page=2" rel="next">' in page.text  # the pager is markup, once


def test_the_last_page_holds_the_rest_in_arrival_order(client: httpx.Client) -> None:
    pages = -(-ITEMS // REVIEW_PAGE)
    last = client.get(f"/review?page={pages}")
    shown = items_on(last.text)
    assert len(shown) == ITEMS - (pages - 1) * REVIEW_PAGE
    assert shown[-1] == f"&lt;item-{ITEMS - 1:03d}@x&gt;"
    assert client.get("/review?page=999").text.count(f"Trang {pages}/{pages}") >= 1


def test_a_filter_shows_one_reason_and_odd_parameters_fall_back(client: httpx.Client) -> None:
    assert len(items_on(client.get("/review?reason=unmatched").text)) == REVIEW_PAGE
    assert "Không còn thư nào" in client.get("/review?reason=quarantined").text
    odd = client.get("/review?reason=<script>&page=-3")
    assert odd.status_code == 200 and "<script>&" not in odd.text
    assert len(items_on(odd.text)) == REVIEW_PAGE


def test_a_decision_on_page_two_comes_back_to_page_two(client: httpx.Client) -> None:
    page = client.get("/review?page=2")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    key = items_on(page.text)[0].replace("&lt;", "<").replace("&gt;", ">")
    reply = client.post(
        "/review",
        data={
            "csrf": token.group(1),
            "message": key,
            "action": "assign",
            "unit": "UBND xã Thử Nghiệm 0042",  # typed in full instead of picked
            "page": "2",
            "reason": "",
        },
    )
    assert reply.status_code == 303 and reply.headers["location"] == "/review?page=2"
    after = client.get("/review?page=2")
    assert "flash-ok" in after.text
    assert f"Thư cần xem xét ({ITEMS - 1})" in after.text


def test_the_picker_names_the_unit_and_its_choice_is_understood(client: httpx.Client) -> None:
    page = client.get("/review")
    assert '<option value="UBND xã Thử Nghiệm 0007 (xa-0007)">' in page.text
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    key = items_on(page.text)[0].replace("&lt;", "<").replace("&gt;", ">")
    reply = client.post(
        "/review",
        data={
            "csrf": token.group(1),
            "message": key,
            "action": "assign",
            "unit": "UBND xã Thử Nghiệm 0007 (xa-0007)",
        },
    )
    assert reply.status_code == 303
    assert "Đã gán thư cho UBND xã Thử Nghiệm 0007" in client.get("/review").text
