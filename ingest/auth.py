"""Sender authentication: is this message a spoof, by the verdict of our own mail server?

Only the topmost Authentication-Results header from the trusted authserv-id counts (RFC 8601:
anything below it may have been written by the sender). No such header (a file saved by hand)
means "absent", which is not a spoof.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["pass", "fail", "absent"]


@dataclass(frozen=True)
class AuthResult:
    verdict: Verdict
    detail: str | None


def _method(header: str, name: str) -> str | None:
    # Results of nested ARC summaries look like "arc=pass (i=1 spf=pass ...)": drop comments.
    flat = re.sub(r"\([^()]*\)", " ", header)
    match = re.search(rf"(?:^|[;\s]){name}\s*=\s*([a-z]+)", flat, re.IGNORECASE)
    return match.group(1).lower() if match else None


def check_authentication(headers: list[str], trusted_authserv_id: str) -> AuthResult:
    """Headers in message order (topmost first)."""
    trusted = trusted_authserv_id.strip().lower()
    for header in headers:
        authserv = header.split(";", 1)[0].strip().split()[0].lower() if header.strip() else ""
        if authserv != trusted:
            continue
        spf, dkim, dmarc = _method(header, "spf"), _method(header, "dkim"), _method(header, "dmarc")
        detail = f"spf={spf or 'none'} dkim={dkim or 'none'} dmarc={dmarc or 'none'}"
        if dmarc == "fail" or (spf != "pass" and dkim != "pass"):
            return AuthResult("fail", detail)
        return AuthResult("pass", detail)
    return AuthResult("absent", None)
