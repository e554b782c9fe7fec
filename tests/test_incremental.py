"""Incremental decisions and matching give exactly the verdicts of a full re-decide, and cost
what changed (issue 15).

The property test replays random sequences of mail arriving in any order (old mail late),
staff decisions and unit imports (names, addresses and dates changed) over the sample case's
messages, and after every step compares the stored verdicts with a decision from scratch.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import sqlite3
import tempfile
import tomllib
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from casedata import CASE, message_files
from conftest import write_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cchc.app import App
from cchc.core.config import load_config
from cchc.core.units import normalise_address
from cchc.prepare import Prepared
from store import matches, verdicts
from store.schema import MIGRATIONS, migrate

UNITS: list[dict[str, Any]] = tomllib.loads((CASE / "units.toml").read_text("utf-8"))["unit"]
START = datetime.fromisoformat("2024-01-02T08:00:00+07:00")


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> list[Prepared]:
    """Every message of the sample case, parsed once (the store half is what is tested)."""
    folder = tmp_path_factory.mktemp("pool")
    app = App(load_config(write_config(folder)))
    try:
        jobs = [(f.read_bytes(), f.name) for f in message_files()]
        return app.pipeline._prepare_all([(raw, f"sha-{name}") for raw, name in jobs])
    finally:
        app.close()


def toml_units(units: list[dict[str, Any]]) -> str:
    out = []
    for u in units:
        out.append("[[unit]]")
        for key, value in u.items():
            out.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
        out.append("")
    return "\n".join(out)


@st.composite
def unit_list(draw: st.DrawFn, senders: list[str]) -> list[dict[str, Any]]:
    """The case's units with a few edits: aliases moved, addresses moved, dates set."""
    units = copy.deepcopy(UNITS)
    for _ in range(draw(st.integers(1, 4))):
        u = units[draw(st.integers(0, len(units) - 1))]
        other = units[draw(st.integers(0, len(units) - 1))]
        edit = draw(st.sampled_from(["alias", "drop_aliases", "email", "dates"]))
        if edit == "alias":
            u["aliases"] = [*u.get("aliases", []), other["name"].split(" ", 1)[-1]]
        elif edit == "drop_aliases":
            u["aliases"] = []
        elif edit == "email":
            u["emails"] = [draw(st.sampled_from(senders))]
            other["emails"] = [e for e in other.get("emails", []) if e not in u["emails"]]
        else:
            day = START.date() + timedelta(days=draw(st.integers(0, 330)))
            u["active_from" if draw(st.booleans()) else "active_until"] = day.isoformat()
    taken: set[str] = set()
    for u in units:  # an address belongs to one unit
        u["emails"] = [e for e in u.get("emails", []) if normalise_address(e) not in taken]
        taken |= {normalise_address(e) for e in u["emails"]}
        if u.get("active_from") and u.get("active_until") and u["active_until"] < u["active_from"]:
            del u["active_until"]
    return units


def steps(senders: list[str], focus: list[int]) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    """Mostly mail of a few busy senders (corrections and overdue periods need several reports
    of one unit), some of anyone, staff decisions, unit imports."""
    mail = st.tuples(st.just("mail"), st.sampled_from(focus), st.integers(0, 360 * 24))
    decision = st.tuples(
        st.just("decide"),
        st.integers(0, 10_000),
        st.sampled_from(["assign", "approve", "reject"]),
        st.sampled_from([u["code"] for u in UNITS]),
    )
    units = st.tuples(st.just("units"), unit_list(senders))
    return st.lists(st.one_of(mail, mail, mail, decision, units), min_size=3, max_size=14)


def assert_up_to_date(app: App) -> None:
    assert verdicts.stale(app.db) == (set(), set())
    stored = verdicts.stored(app.db)
    fresh = {v.ref: v for v in app.pipeline.decider.compute_all()}
    assert stored == fresh


@pytest.fixture
def fresh_app() -> Iterator[App]:
    with tempfile.TemporaryDirectory() as folder:
        app = App(load_config(write_config(Path(folder))))
        yield app
        app.close()


def _run(app: App, pool: list[Prepared], actions: list[tuple[Any, ...]], folder: Path) -> None:
    for n, action in enumerate(actions):
        if action[0] == "mail":
            _, index, hours = action
            arrived = START + timedelta(hours=hours)
            app.pipeline.commit(pool[index], source=f"step-{n}", arrived=arrived)
        elif action[0] == "decide":
            _, pick, what, unit = action
            refs = sorted(verdicts.stored(app.db))
            if not refs:
                continue
            ref = refs[pick % len(refs)]
            app.review_decide(str(ref), what, unit if what == "assign" else None, force=True)
        else:
            path = folder / f"units-{n}.toml"
            path.write_text(toml_units(action[1]), encoding="utf-8")
            app.import_units(path)
        app.update()
        assert_up_to_date(app)


def test_incremental_verdicts_equal_a_full_re_decide_after_every_step(
    pool: list[Prepared],
) -> None:
    senders = sorted({p.from_addr for p in pool if p.from_addr})
    busiest = sorted(senders, key=lambda a: -sum(p.from_addr == a for p in pool))[:3]
    reports = [p for p in pool if p.facts.period_kind and p.facts.readable_reports][:3]
    copies = [  # a unit's corrections: the same report sent again
        dataclasses.replace(p, digest=f"copy-{i}-{n}", message_id=f"<copy-{i}-{n}@x>")
        for i, p in enumerate(reports)
        for n in range(3)
    ]
    pool = [*pool, *copies]
    focus = [i for i, p in enumerate(pool) if p.from_addr in busiest] + list(range(0, 111, 9))
    focus += range(len(pool) - len(copies), len(pool))

    @settings(
        max_examples=100,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(actions=steps(senders, focus))
    def check(actions: list[tuple[Any, ...]]) -> None:
        with tempfile.TemporaryDirectory() as folder:
            app = App(load_config(write_config(Path(folder))))
            try:
                _run(app, pool, actions, Path(folder))
            finally:
                app.close()

    check()


def test_mail_arriving_in_any_order_gives_the_verdicts_of_arrival_order(
    pool: list[Prepared], fresh_app: App
) -> None:
    """The whole case, newest first: every message arrives before the ones it follows."""
    for n, p in enumerate(sorted(pool, key=lambda p: p.date_header or START, reverse=True)):
        fresh_app.pipeline.commit(p, source=f"rev-{n}", arrived=p.date_header or START)
        fresh_app.update()
    assert_up_to_date(fresh_app)
    assert fresh_app.refresh() == 0


def test_a_report_arriving_between_two_of_its_unit_is_a_correction_of_the_first(
    pool: list[Prepared], fresh_app: App
) -> None:
    """The seed: a unit's first report before the change is what later ones correct."""
    report = next(
        p
        for p in pool
        if p.facts.period_kind and p.facts.readable_reports and p.auth.verdict == "pass"
    )
    first, middle, last = (
        dataclasses.replace(report, digest=f"copy-{n}", message_id=f"<copy-{n}@x>")
        for n in range(3)
    )
    app = fresh_app
    refs = {}
    for name, p, day in [("first", first, 10), ("last", last, 50), ("middle", middle, 30)]:
        refs[name] = app.pipeline.commit(p, source=name, arrived=START + timedelta(days=day))
        app.update()
    stored = verdicts.stored(app.db)
    one, two, three = (stored[refs[n].message_ref or 0] for n in ("first", "middle", "last"))
    assert one.disposition == "counted"
    assert (two.disposition, two.first_ref) == ("correction", one.ref)
    assert (three.disposition, three.first_ref) == ("correction", one.ref)
    assert_up_to_date(app)


def test_an_already_seen_message_decides_nothing(pool: list[Prepared], fresh_app: App) -> None:
    for n, p in enumerate(pool[:10]):
        fresh_app.pipeline.commit(p, source=f"m-{n}")
    assert fresh_app.update() == 10
    fresh_app.pipeline.commit(pool[3], source="m-3")
    fresh_app.pipeline.commit(pool[3], source="again")
    assert fresh_app.update() == 0


def test_a_late_old_message_redecides_only_its_own_unit_after_it(
    pool: list[Prepared], fresh_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = fresh_app
    for n, p in enumerate(pool[1:]):
        app.pipeline.commit(p, source=f"m-{n}", arrived=START + timedelta(days=n * 3))
    app.update()
    asked: list[int] = []
    real = verdicts.inputs

    def spy(db: Any, refs: Any = None) -> Any:
        asked.extend(refs or [])
        return real(db, refs)

    monkeypatch.setattr(verdicts, "inputs", spy)
    result = app.pipeline.commit(pool[0], source="late", arrived=START + timedelta(days=100))
    app.update()
    late = verdicts.stored(app.db)[result.message_ref or 0]
    decided = verdicts.stored(app.db, asked)
    assert result.message_ref in asked
    assert {v.unit for v in decided.values() if v.ref != result.message_ref} <= {late.unit}
    assert len(asked) < len(pool) // 2
    monkeypatch.undo()
    assert_up_to_date(app)


def test_teaching_an_address_rematches_only_the_messages_from_it(
    pool: list[Prepared], fresh_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = fresh_app
    for n, p in enumerate(pool):
        app.pipeline.commit(p, source=f"m-{n}")
    app.update()
    item = next(i for i in app.review() if i["reason"] == "unmatched")
    sender = item["from"]
    asked: list[set[int] | None] = []
    real = matches.facts_of

    def spy(db: Any, refs: set[int] | None) -> Any:
        asked.append(refs)
        return real(db, refs)

    monkeypatch.setattr(matches, "facts_of", spy)
    app.review_decide(item["message_id"], "assign", "noi-vu")
    from_sender = matches.from_sender(app.db, sender)
    assert asked == [from_sender]
    monkeypatch.undo()
    assert_up_to_date(app)
    assert all(verdicts.stored(app.db)[ref].unit == "noi-vu" for ref in from_sender)


def test_a_change_left_undecided_by_a_stopped_process_is_decided_at_the_next_start(
    pool: list[Prepared], tmp_path: Path
) -> None:
    config = load_config(write_config(tmp_path))
    app = App(config)
    for n, p in enumerate(pool[:12]):
        app.pipeline.commit(p, source=f"m-{n}")
    app.update()
    ref = sorted(verdicts.stored(app.db))[4]
    from store import repo

    repo.record_decision(app.db, ref, "reject", None, "cli")  # ... and the process stops here
    app.pipeline.commit(pool[20], source="late")
    app.close()
    app = App(config)
    try:
        assert verdicts.stored(app.db)[ref].reason == "rejected"
        assert_up_to_date(app)
    finally:
        app.close()


def test_a_store_of_schema_2_gets_its_senders_and_match_kinds(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "old.sqlite")
    for script in MIGRATIONS[:2]:
        conn.executescript(script)
    conn.execute("PRAGMA user_version = 2")
    facts = json.dumps({"match": {"unit": "noi-vu", "how": "content"}})
    conn.execute(
        """INSERT INTO messages (raw_sha256, from_addr, received_at, received_ts, received_from,
           size, auth, facts, first_source, created_at)
           VALUES ('a', 'Nguyen.Van.A+cchc@GMAIL.com', '', 0, 'date', 1, 'pass', ?, 's', '')""",
        (facts,),
    )
    conn.commit()
    assert migrate(conn) == len(MIGRATIONS)
    row = conn.execute("SELECT sender, match_how FROM messages").fetchone()
    assert row == ("nguyenvana@gmail.com", "content")
    # it had no verdict: the first update decides it
    assert conn.execute("SELECT ref FROM stale_messages").fetchall() == [(1,)]


def test_an_address_taught_in_another_process_is_used_for_the_next_mail(
    pool: list[Prepared], tmp_path: Path
) -> None:
    """The mailbox loop keeps one App for days; a clerk teaches an address on the web page
    (another App on the same store): the loop's next mail from it is matched by address."""
    config = load_config(write_config(tmp_path))
    loop, page = App(config), App(config)
    try:
        stranger = next(p for p in pool if p.from_addr == "ngoquanglong8240@gmail.com")
        first = loop.pipeline.commit(stranger, source="first")
        loop.update()
        assert verdicts.stored(loop.db)[first.message_ref or 0].reason == "unmatched"
        page.review_decide(str(first.message_ref), "assign", "xa-nam-binh")
        again = dataclasses.replace(stranger, digest="again", message_id="<again@x>")
        second = loop.pipeline.commit(again, source="second")
        loop.update()
        verdict = verdicts.stored(loop.db)[second.message_ref or 0]
        assert (verdict.unit, verdict.match, verdict.reason) == ("xa-nam-binh", "address", None)
    finally:
        loop.close()
        page.close()
