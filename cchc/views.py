"""The JSON shapes of SPEC §5 (`status`, `messages`, `submissions`, `review`), read from the store.

Shared by the CLI's `--json`, its tables, the digest and the web page, so they cannot drift.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cchc.core.periods import Period
from cchc.decide import REVIEW_REASONS
from store import repo

if TYPE_CHECKING:
    from cchc.app import App


def _iso(ts: float, app: App) -> str:
    return datetime.fromtimestamp(ts, app.tz).isoformat()


def _message_fields(r: dict[str, Any], app: App) -> dict[str, Any]:
    """The fields every listing of messages starts with."""
    return {
        "message_id": r["message_id"],
        "from": r["from_addr"],
        "from_name": r["from_name"],
        "subject": r["subject"],
        "received_at": _iso(r["received_ts"], app),
    }


def _attachments(app: App, refs: list[int]) -> dict[int, list[dict[str, Any]]]:
    if not refs:
        return {}
    marks = ",".join("?" * len(refs))
    atts = repo.rows(
        app.db,
        f"SELECT * FROM attachments WHERE message_ref IN ({marks}) ORDER BY message_ref, position",
        tuple(refs),
    )
    finds = repo.rows(
        app.db, f"SELECT * FROM findings WHERE message_ref IN ({marks}) ORDER BY id", tuple(refs)
    )
    by_att: dict[int, list[dict[str, Any]]] = {}
    for f in finds:
        item = {
            "code": f["code"],
            "level": f["level"],
            "message": f["message"],
            "attachment": f["attachment"],
        }
        if f["detail"]:
            item["detail"] = json.loads(f["detail"])
        by_att.setdefault(f["attachment_ref"], []).append(item)
    out: dict[int, list[dict[str, Any]]] = {}
    for a in atts:
        outline = json.loads(a["outline"]) if a["outline"] else None
        out.setdefault(a["message_ref"], []).append(
            {
                "filename": a["filename"],
                "sha256": a["sha256"],
                "size": a["size"],
                "kind": a["kind"],
                "format": a["format"],
                "error": a["error"],
                "container": a["container"],
                "outline": {"present": outline["present"], "missing": outline["missing"]}
                if outline
                else None,
                "onestop": json.loads(a["onestop"]) if a["onestop"] else None,
                "findings": by_att.get(a["id"], []),
                "_sections": outline.get("sections") if outline else None,
            }
        )
    return out


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
    return {k: v for k, v in att.items() if not k.startswith("_")}


def status(app: App, period: Period, at: datetime) -> dict[str, Any]:
    due_at = app.period_due(period)
    subs = repo.rows(
        app.db,
        """SELECT v.message_ref, v.unit, v.match, v.reason, m.message_id, m.received_ts
           FROM verdicts v JOIN messages m ON m.id = v.message_ref
           WHERE v.counts = 1 AND v.period = ? AND m.received_ts < ? ORDER BY m.received_ts, m.id""",
        (period.id, at.timestamp()),
    )
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for s in subs:
        by_unit.setdefault(s["unit"], []).append(s)
    atts = _attachments(app, [s["message_ref"] for s in subs])
    units_out = []
    for u in app.units:
        if not u.active_on(due_at.date()):
            continue
        mine = by_unit.get(u.code, [])
        entry: dict[str, Any] = {"unit": u.code, "name": u.name, "group": u.group}
        if mine:
            first = mine[0]
            entry.update(
                status="on_time" if first["received_ts"] < due_at.timestamp() else "late",
                received_at=_iso(first["received_ts"], app),
                message_id=first["message_id"],
                match=first["match"],
                corrections=len(mine) - 1,
            )
            content = _latest_content(mine, atts)
            outline, _, findings = _combine(content)
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
        units_out.append(entry)
    return {
        "period": period.id,
        "name": period.name,
        "due": due_at.isoformat(),
        "at": at.astimezone(app.tz).isoformat(),
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


def messages(app: App, since: datetime | None) -> list[dict[str, Any]]:
    """One row per sighting. Of several sightings of one message, the one of the stored bytes
    with the smallest source is the original, so the import order does not matter."""
    rows = repo.rows(
        app.db,
        """SELECT s.id AS sid, s.source, m.id AS ref, m.message_id, m.from_addr, m.from_name, m.subject,
                  m.received_ts, m.problems, v.disposition, v.reason, v.unit, v.period, v.match,
                  s.raw_sha256 AS seen_sha, m.raw_sha256 AS stored_sha
           FROM sightings s JOIN messages m ON m.id = s.message_ref
           LEFT JOIN verdicts v ON v.message_ref = m.id
           WHERE m.received_ts >= ? ORDER BY m.received_ts, s.id""",
        (since.timestamp() if since else float("-inf"),),
    )
    original: dict[int, tuple[bool, str, int]] = {}
    for r in repo.rows(
        app.db,
        "SELECT s.id, s.source, s.message_ref, s.raw_sha256 != m.raw_sha256 FROM sightings s JOIN messages m ON m.id = s.message_ref",
    ):
        sid, source, ref, other = r.values()
        key = (bool(other), source, sid)
        if ref not in original or key < original[ref]:
            original[ref] = key
    out = []
    for r in rows:
        dup = r["sid"] != original[r["ref"]][2]
        out.append(
            {
                **_message_fields(r, app),
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


def submissions(app: App, period: str | None, unit: str | None) -> list[dict[str, Any]]:
    sql = """SELECT v.message_ref, v.unit, v.period, v.match, v.reason, v.first_ref, m.message_id,
                    m.subject, m.received_ts, m.from_addr
             FROM verdicts v JOIN messages m ON m.id = v.message_ref WHERE v.counts = 1"""
    params: list[Any] = []
    if period:
        sql += " AND v.period = ?"
        params.append(period)
    if unit:
        sql += " AND v.unit = ?"
        params.append(unit)
    subs = repo.rows(app.db, sql + " ORDER BY m.received_ts, m.id", tuple(params))
    atts = _attachments(app, [s["message_ref"] for s in subs])
    out = []
    for s in subs:
        files = atts.get(s["message_ref"], [])
        outline, onestop, findings = _combine(files)
        out.append(
            {
                "unit": s["unit"],
                "period": s["period"],
                "received_at": _iso(s["received_ts"], app),
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


def review(app: App) -> list[dict[str, Any]]:
    marks = ",".join("?" * len(REVIEW_REASONS))
    rows = repo.rows(
        app.db,
        f"""SELECT m.message_id, m.from_addr, m.from_name, m.subject, m.received_ts, m.facts,
                   v.reason, v.unit, v.period, v.disposition
            FROM verdicts v JOIN messages m ON m.id = v.message_ref
            WHERE v.reason IN ({marks}) ORDER BY m.received_ts, m.id""",
        REVIEW_REASONS,
    )
    out = []
    for r in rows:
        facts = json.loads(r["facts"])
        out.append(
            {
                **_message_fields(r, app),
                "reason": r["reason"],
                "unit": r["unit"],
                "period": r["period"],
                "disposition": r["disposition"],
                "candidates": facts.get("match", {}).get("candidates", []),
            }
        )
    return out
