"""The page in a real browser: Debian's Chromium (/usr/bin/chromium), driven by Playwright.

No browser is downloaded: without /usr/bin/chromium these tests are skipped. Screenshots of
the year matrix and the review queue land in the test's tmp folder (or in the folder named by
CCHC_SCREENSHOTS) for a person to look at.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from casedata import expected

from cchc.core.labels import STATUS

from .conftest import PASSWORD, STAFF, Served

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LABEL = STATUS
UNKNOWN_Q3 = next(m for m in expected()["messages"] if m["file"].startswith("messages/064-"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="vi-VN", accept_downloads=True
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CCHC_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log_in(page: Any, url: str, start: str = "/") -> None:
    page.goto(url + start)
    page.fill("input[name=user]", STAFF)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("header nav")


def test_staff_log_in_and_see_the_year_matrix_of_the_case(
    case_web: Served, page: Any, tmp_path: Path
) -> None:
    log_in(page, case_web.url, "/year/2024")
    assert page.locator("h1").inner_text() == "Tình hình nộp báo cáo CCHC năm 2024"
    assert STAFF in page.locator("header").inner_text()
    status = expected()["status"]
    # One round trip for the whole table: {unit code: [cell texts]} as the browser renders them.
    shown = page.eval_on_selector_all(
        "table.matrix tbody tr:not(.group)",
        """rows => Object.fromEntries(rows.map(r => [
            r.querySelector('th.unit a').getAttribute('href').split('?')[0].slice(6),
            [...r.querySelectorAll('td')].map(td => td.innerText)]))""",
    )
    assert sorted(shown) == sorted(code for code, _ in case_web_units(case_web))
    for code, cells in shown.items():
        for text, pid in zip(cells, ["2024-Q1", "2024-H1", "2024-Q3", "2024-Y"], strict=True):
            want = status[pid][code]
            assert text.startswith(LABEL[want["status"]]), (code, pid, text)
            if want["received_at"]:  # dd/mm HH:MM of the first report
                day = want["received_at"]
                assert f"{day[8:10]}/{day[5:7]} {day[11:16]}" in text, (code, pid, text)
    page.screenshot(path=str(shots(tmp_path) / "matrix.png"), full_page=True)


def case_web_units(served: Served) -> list[tuple[str, str]]:
    from cchc.app import App

    app = App(served.config)
    try:
        return [(u.code, u.name) for u in app.units]
    finally:
        app.close()


def test_open_a_unit_and_download_its_report_from_the_archive(case_web: Served, page: Any) -> None:
    log_in(page, case_web.url, "/year/2024")
    page.click('table.matrix th.unit a[href^="/unit/noi-vu?"]')
    page.wait_for_url("**/unit/noi-vu*")
    assert page.locator("h1").inner_text() == "Phòng Nội vụ"
    q1 = page.locator("#p-2024-Q1")
    assert "bản sửa/bổ sung" in q1.inner_text()  # the unreadable first copy, then a readable one
    wanted = next(
        a
        for m in expected()["messages"]
        if m["file"].startswith("messages/004-")
        for a in m["attachments"]
    )
    with page.expect_download() as info:
        q1.get_by_text(wanted["filename"]).click()
    download = info.value
    assert download.suggested_filename == wanted["filename"].replace("/", "_")
    assert hashlib.sha256(Path(download.path()).read_bytes()).hexdigest() == wanted["sha256"]


def test_download_an_export_from_the_period_page(case_web: Served, page: Any) -> None:
    log_in(page, case_web.url, "/period/2024-Q1")
    assert "18/02/2024" in page.locator("main").inner_text()
    with page.expect_download() as info:
        page.get_by_text("Bảng tổng hợp Phụ lục 2").click()
    download = info.value
    assert download.suggested_filename.endswith("2024-Q1.xlsx")
    assert Path(download.path()).read_bytes()[:2] == b"PK"


def test_assign_a_review_item_and_see_the_status_change(
    fresh_web: Served, page: Any, tmp_path: Path
) -> None:
    """GIVEN a Q3 report from an unknown address WHEN staff pick Nam Bình and press Gán THEN
    the item leaves the queue, the decision shows who made it, and Nam Bình is on time."""
    log_in(page, fresh_web.url, "/period/2024-Q3")
    nam_binh = page.locator("table.list tr", has=page.locator('a[href^="/unit/xa-nam-binh?"]'))
    assert LABEL["missing"] in nam_binh.inner_text()

    page.goto(fresh_web.url + "/review")
    page.screenshot(path=str(shots(tmp_path) / "review.png"), full_page=True)
    item = page.locator(
        "article.review", has=page.locator(f'input[value="{UNKNOWN_Q3["message_id"]}"]')
    )
    assert "Không xác định được đơn vị" in item.inner_text()
    item.locator("input[name=unit]").fill("UBND xã Nam Bình")  # typed in full, or picked by code
    item.get_by_role("button", name="Gán").click()
    page.wait_for_selector(".flash-ok")
    assert page.locator(f'input[value="{UNKNOWN_Q3["message_id"]}"]').count() == 0
    assert STAFF in page.locator("h2:has-text('Quyết định gần đây') + div table").inner_text()

    page.goto(fresh_web.url + "/period/2024-Q3")
    nam_binh = page.locator("table.list tr", has=page.locator('a[href^="/unit/xa-nam-binh?"]'))
    assert LABEL["on_time"] in nam_binh.inner_text()
    assert "10/08/2024 08:27" in nam_binh.inner_text()
