"""The names the spreadsheet readers raise, over the one hierarchy in `parsers.guard`.

The document half already defines the failures every reader raises (`guard.AttachmentError`
and its subclasses, each carrying its stable finding code); the registry catches that root.
These aliases give the spreadsheet modules and their callers the planned names without a
second, competing hierarchy: `except ParseFailure` and `except AttachmentError` are the same.
"""

from __future__ import annotations

from parsers.guard import AttachmentError as ParseFailure
from parsers.guard import PasswordProtected, TooLarge, Unparseable

__all__ = ["ParseFailure", "PasswordProtected", "TooLarge", "Unparseable"]
