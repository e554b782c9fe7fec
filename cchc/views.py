"""The JSON shapes of SPEC §5 (`status`, `messages`, `submissions`, `review`), read from the store.

Shared by the CLI's `--json`, its tables, the digest, the exports and the web page, so they
cannot drift. Pure shaping over `store.read`: no SQL here.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from cchc.context import Context
from cchc.core.periods import Period
from store import read


def _iso(ts: float, ctx: Context) -> str:
    return datetime.fromtimestamp(ts, ctx.tz).isoformat()


def _message_fields(r: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """The fields every listing of messages starts with."""
    return {
        "message_id": r["message_id"],
        "from": r["from_addr"],
        "from_name": r["from_name"],
        "subject": r["subject"],
        "received_at": _iso(r["received_ts"], ctx),
    }


def _combine(
    atts: list[dict[str, Any]],
) -> tuple[dict[str, Any] | None, list[dict[str, Any]] | None, list[dict[str, Any]]]:
    outlines = [a["outline"] for a in atts if a["outline"]]
    outline = None
    if outlines:
        present = sorted({s for o in outlines for s in o["present"]}, key=_section_key)
        missing = sorted(set.intersection(*(set(o["missing"]) for o in outlines)), key=_section_key)
        outline = {"present": present, "missing": missing}
    tables = [row for a in atts if a["onestop"] for row in a["onestop"]]
    findings = [f for a in atts for f in a["findings"]]
    return outline, (tables if any(a["onestop"] is not None for a in atts) else None), findings


_ROMAN = {
    "I": 1,
    "II": 2,
    "III": 3,
    "IV": 4,
    "V": 5,
    "VI": 6,
    "VII": 7,
    "VIII": 8,
    "IX": 9,
    "X": 10,
}


def _section_key(sid: str) -> tuple[int, ...]:
    head, _, tail = sid.partition(".")
    return (_ROMAN.get(head, 99), int(tail) if tail.isdigit() else 0)


def _public(att: dict[str, Any]) -> dict[str, Any]:
    """An attachment as SPEC §5 lists it (without the store's id and the section texts)."""
    return {k: v for k, v in att.items() if k not in ("id", "sections")}


def status(ctx: Context, period: Period, at: datetime) -> dict[str, Any]:
    """Every unit active for the period, with its status at `at` (SPEC §5 `cchc status`), in
    the order of the office's groups."""
    due_at = ctx.period_due(period)
    due_rule = ctx.calendar.due_rule(period)
    due_day = ctx.calendar.due_day(period)
    subs = read.counting_messages(ctx.db, period=period.id, before_ts=at.timestamp())
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for s in subs:
        by_unit.setdefault(s["unit"], []).append(s)
    atts = read.attachments(ctx.db, [s["message_ref"] for s in subs], content=False)
    units_out = []
    for u in ctx.units_in_group_order():
        if not u.active_on(due_day):
            continue
        mine = by_unit.get(u.code, [])
        entry: dict[str, Any] = {"unit": u.code, "name": u.name, "group": u.group}
        if mine:
            first = mine[0]
            entry.update(
                status="on_time" if first["received_ts"] < due_at.timestamp() else "late",
                received_at=_iso(first["received_ts"], ctx),
                message_id=first["message_id"],
                match=first["match"],
                corrections=len(mine) - 1,
            )
            outline, _, findings = _combine(_latest_content(mine, atts))
            entry["outline_missing"] = outline["missing"] if outline else None
            entry["findings"] = findings
        else:
            entry.update(
                status="missing" if at >= due_at else "not_due",
                received_at=None,
                message_id=None,
                match=None,
                corrections=0,
                outline_missing=None,
                findings=[],
            )
        entry.update(due_at=due_at.isoformat(), due_rule=due_rule)
        units_out.append(entry)
    return {
        "period": period.id,
        "name": period.name,
        "due": due_at.isoformat(),
        "due_at": due_at.isoformat(),
        "due_rule": due_rule,
        "due_day": due_day.isoformat(),
        "deadline": ctx.config.calendar.deadline,
        "at": at.astimezone(ctx.tz).isoformat(),
        "units": units_out,
    }


def latest_of_each_kind(
    mine: list[dict[str, Any]], atts: dict[int, list[dict[str, Any]]]
) -> tuple[int | None, int | None]:
    """(message_ref of the latest outline report, of the latest one-stop table) among one unit's
    counting messages in arrival order (`mine` rows carry `message_ref`; `atts` maps a ref to
    attachments with `outline` and `onestop`). SPEC §3; shared with `cchc.exports`."""
    latest_outline = latest_table = None
    for s in mine:
        files = atts.get(s["message_ref"], [])
        if any(a["outline"] for a in files):
            latest_outline = s["message_ref"]
        if any(a["onestop"] is not None for a in files):
            latest_table = s["message_ref"]
    return latest_outline, latest_table


def _latest_content(
    mine: list[dict[str, Any]], atts: dict[int, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The latest outline report and the latest one-stop table (SPEC §3: content from the latest
    of each kind, so a table sent alone later does not erase the narrative sent first)."""
    latest_outline, latest_table = latest_of_each_kind(mine, atts)
    chosen: list[dict[str, Any]] = []
    if latest_outline is not None:
        chosen += [
            a for a in atts.get(latest_outline, []) if a["outline"] or a["kind"] == "unparseable"
        ]
    if latest_table is not None:
        chosen += [
            a for a in atts.get(latest_table, []) if a["onestop"] is not None and not a["outline"]
        ]
    if not chosen and mine:
        chosen = atts.get(mine[-1]["message_ref"], [])
    return chosen


def messages(ctx: Context, since: datetime | None) -> list[dict[str, Any]]:
    """One row per sighting: the audit log (SPEC §5 `cchc messages`)."""
    out = []
    for r in read.sightings(ctx.db, since.timestamp() if since else None):
        dup = not r["original"]
        out.append(
            {
                **_message_fields(r, ctx),
                "source": r["source"],
                "disposition": "duplicate" if dup else (r["disposition"] or "ignored"),
                "reason": None if dup else r["reason"],
                "unit": r["unit"],
                "period": r["period"],
                "match": None if dup else r["match"],
                "problems": json.loads(r["problems"]),
            }
        )
    return out


def submissions(ctx: Context, period: str | None, unit: str | None) -> list[dict[str, Any]]:
    """Every counting message with its parse results (SPEC §5 `cchc submissions`)."""
    subs = read.counting_messages(ctx.db, period=period, unit=unit)
    atts = read.attachments(ctx.db, [s["message_ref"] for s in subs])
    out = []
    for s in subs:
        files = atts.get(s["message_ref"], [])
        outline, onestop, findings = _combine(files)
        out.append(
            {
                "unit": s["unit"],
                "period": s["period"],
                "received_at": _iso(s["received_ts"], ctx),
                "message_id": s["message_id"],
                "from": s["from_addr"],
                "subject": s["subject"],
                "match": s["match"],
                "is_correction": s["first_ref"] is not None,
                "review_reason": s["reason"],
                "attachments": [_public(a) for a in files],
                "outline": outline,
                "onestop": onestop,
                "findings": findings,
            }
        )
    return out


def review(
    ctx: Context,
    *,
    with_keys: bool = False,
    reason: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The review queue (SPEC §5 `cchc review`); one reason's, one page of it when asked.
    `with_keys` adds the message's row id (`ref`, so one without a Message-ID can still be
    decided) and its raw hash, for the web page."""
    out = []
    for r in read.review_items(ctx.db, reason=reason, limit=limit, offset=offset):
        item = {
            **_message_fields(r, ctx),
            "reason": r["reason"],
            "unit": r["unit"],
            "period": r["period"],
            "disposition": r["disposition"],
            "candidates": json.loads(r["candidates"] or "[]"),
        }
        if with_keys:
            item.update(ref=r["ref"], raw_sha256=r["raw_sha256"])
        out.append(item)
    return out
