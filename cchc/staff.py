"""What staff change by hand: the unit list, and the decisions on queued messages.

Each change is recorded in the store, then the matches and the verdicts are brought up to date
through the pipeline, so the next `status` already shows its effect.
"""

from __future__ import annotations

from pathlib import Path

from cchc.context import Context
from cchc.core.errors import NotFound, NotInQueue
from cchc.core.units import load_units
from cchc.pipeline import Pipeline
from store import read, repo
from store.archive import sha256
from store.units import sync_units, teach_address

ACTIONS = ("assign", "approve", "reject")


def import_units(ctx: Context, pipeline: Pipeline, path: str | Path) -> int:
    """Replace the unit list from a file (taught addresses stay); the number of units read.
    The file itself goes to the archive, and the journal says when it was imported."""
    units = load_units(path, [g.id for g in ctx.config.groups])
    data = Path(path).read_bytes()
    digest = sha256(data)
    ctx.archive.put_file(data, Path(path).name, digest)
    ctx.journal.append("units", file=digest, name=Path(path).name)
    changes = sync_units(ctx.db, units.units)
    pipeline.matcher.units_imported(changes)
    pipeline.update()
    return len(units.units)


def find_message(ctx: Context, key: str) -> int:
    """A stored message by its Message-ID (with or without <>), or by its row id."""
    key = key.strip()
    for candidate in [key] if key.startswith("<") else [key, f"<{key}>"]:
        ref = read.message_ref(ctx.db, candidate)
        if ref is not None:
            return ref
    if key.isdigit() and read.message_exists(ctx.db, int(key)):
        return int(key)
    raise NotFound(f"không có thư {key!r}: ghi Message-ID của thư (như `cchc review` hiển thị)")


def review_decide(
    ctx: Context,
    pipeline: Pipeline,
    key: str,
    action: str,
    unit_code: str | None = None,
    who: str = "cli",
    *,
    force: bool = False,
) -> int:
    """Record a staff decision on a queued message; `assign` also teaches the sender's address.
    A message not in the review queue is refused (nothing changes) unless `force`."""
    ref = find_message(ctx, key)
    raw = read.raw_of(ctx.db, ref)
    if not force and not read.in_review(ctx.db, ref):
        raise NotInQueue(
            f"thư {key} không có trong danh sách cần xem xét: không thay đổi gì "
            "(thêm --force để vẫn ghi quyết định)"
        )
    if action == "assign":
        if not unit_code or unit_code not in {u.code for u in ctx.units}:
            raise NotFound(f"không có đơn vị {unit_code!r}: xem mã đơn vị bằng `cchc status`")
        ctx.journal.append("decision", raw=raw, action=action, unit=unit_code, who=who)
        repo.record_decision(ctx.db, ref, action, unit_code, who)
        address = read.sender_of(ctx.db, ref)
        if address and teach_address(ctx.db, address, unit_code):
            pipeline.matcher.address_taught(address)
    else:
        ctx.journal.append("decision", raw=raw, action=action, unit=None, who=who)
        repo.record_decision(ctx.db, ref, action, None, who)
    pipeline.update()
    return ref
