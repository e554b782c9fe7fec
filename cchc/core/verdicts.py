"""What the program concludes about a message and about a unit's period: plain types and codes.

The decisions (`cchc.decide`) produce `Verdict`s; the store keeps them; every listing reads
them. They live on the ground floor so that the store and the pages can speak of verdicts
without importing the decisions themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

# Why a message waits for staff (SPEC §5 `cchc review --json` `reason`).
REVIEW_REASONS = ("content_match", "unmatched", "quarantined", "unparseable", "no_attachment")
# A unit's standing for a period (SPEC §3).
STATUSES = ("on_time", "late", "missing", "not_due")
REPORTED = ("on_time", "late")


@dataclass(frozen=True)
class Verdict:
    """The decision about one stored message (`ref` is its row id)."""

    ref: int
    disposition: str  # counted | correction | review | ignored (duplicate is per sighting)
    reason: str | None
    unit: str | None
    period: str | None
    match: str | None
    counts: bool
    first_ref: int | None = None  # a correction: the first counting message of its unit-period

    @property
    def in_review(self) -> bool:
        return self.reason in REVIEW_REASONS
