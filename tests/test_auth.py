"""Spoof quarantine from the trusted Authentication-Results (SPEC §3)."""

from __future__ import annotations

from ingest.auth import check_authentication

GOOD = (
    "mx.google.com; dkim=pass header.i=@gmail.com; spf=pass smtp.mailfrom=a@gmail.com; dmarc=pass"
)
BAD = "mx.google.com; dkim=none; spf=fail (google.com: domain does not designate) smtp.mailfrom=a@gmail.com; dmarc=fail"


def test_spf_pass_is_authentic() -> None:
    assert check_authentication([GOOD], "mx.google.com").verdict == "pass"


def test_spf_fail_dkim_none_dmarc_fail_is_quarantined() -> None:
    assert check_authentication([BAD], "mx.google.com").verdict == "fail"


def test_a_forged_second_header_saying_pass_does_not_save_a_spoof() -> None:
    """The sender can write headers below ours; only the topmost trusted one counts."""
    assert check_authentication([BAD, GOOD], "mx.google.com").verdict == "fail"


def test_headers_from_other_authserv_ids_are_ignored() -> None:
    forged = "evil.example; spf=pass; dkim=pass; dmarc=pass"
    assert check_authentication([forged, BAD], "mx.google.com").verdict == "fail"
    assert check_authentication([forged], "mx.google.com").verdict == "absent"


def test_no_header_at_all_is_not_a_spoof() -> None:
    assert check_authentication([], "mx.google.com").verdict == "absent"


def test_dmarc_fail_quarantines_even_with_dkim_pass() -> None:
    header = "mx.google.com; dkim=pass header.i=@x.example; spf=softfail; dmarc=fail"
    assert check_authentication([header], "mx.google.com").verdict == "fail"


def test_arc_comment_results_are_not_read_as_the_message_results() -> None:
    header = "mx.google.com; dkim=none; arc=pass (i=1 spf=pass dkim=pass dmarc=pass); spf=fail; dmarc=fail"
    assert check_authentication([header], "mx.google.com").verdict == "fail"
