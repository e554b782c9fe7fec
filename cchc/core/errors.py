"""One exception root, so the CLI can turn any expected failure into one readable line."""

from __future__ import annotations


class CchcError(Exception):
    """Base of every error the program expects and can explain to a clerk."""


class ConfigError(CchcError):
    """A configuration value is missing or wrong; names the key and the file."""

    def __init__(self, message: str, *, key: str | None = None, path: str | None = None) -> None:
        self.key = key
        self.path = path
        where = ", ".join(
            p for p in (f"tệp {path}" if path else "", f"khóa {key}" if key else "") if p
        )
        super().__init__(f"{message} ({where})" if where else message)


class UnitsError(CchcError):
    """The unit list cannot be read (bad file, duplicate code, unknown successor...)."""


class StoreError(CchcError):
    """The database or the archive cannot be used (e.g. made by a newer version)."""


class MailboxError(CchcError):
    """The IMAP mailbox cannot be reached or refused us."""


class NotFound(CchcError):
    """A message, unit or period named on the command line does not exist."""


class NotInQueue(NotFound):
    """A review decision named a message that is not in the review queue."""
