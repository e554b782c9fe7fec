"""Configuration: read once from TOML, validated up front, handed around as frozen dataclasses.

Components never read `os.environ`: secrets are resolved here, from the `*_env` keys.
Every mistake names its key and file, so `cchc` can stop with one line and exit code 2.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cchc.core.errors import ConfigError

SECURITY = ("ssl", "starttls", "none")


@dataclass(frozen=True)
class OfficeConfig:
    name: str = "Phòng Nội vụ"
    timezone: str = "Asia/Ho_Chi_Minh"
    notify: tuple[str, ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class StoreConfig:
    path: Path
    archive: Path


@dataclass(frozen=True)
class ImapConfig:
    host: str = ""
    port: int = 993
    security: str = "ssl"
    username: str = ""
    password_env: str = "CCHC_IMAP_PASSWORD"
    password: str | None = field(default=None, repr=False)
    auth: str = "password"  # password | xoauth2
    token_env: str = "CCHC_IMAP_REFRESH_TOKEN"
    client_id_env: str = "CCHC_OAUTH_CLIENT_ID"
    client_secret_env: str = "CCHC_OAUTH_CLIENT_SECRET"
    refresh_token: str | None = field(default=None, repr=False)
    client_id: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)
    token_url: str = "https://oauth2.googleapis.com/token"
    folder: str = "INBOX"
    trusted_authserv_id: str = "mx.google.com"
    processed_label: str | None = None
    processed_folder: str | None = None
    poll_seconds: int = 300
    batch_size: int = 50
    timeout_seconds: float = 60.0

    @property
    def account(self) -> str:
        return f"{self.username}@{self.host}"


@dataclass(frozen=True)
class SmtpConfig:
    host: str = ""
    port: int = 465
    security: str = "ssl"
    username: str = ""
    password_env: str = "CCHC_SMTP_PASSWORD"
    password: str | None = field(default=None, repr=False)
    sender_name: str = "Phòng Nội vụ"
    sender: str = ""  # From address; defaults to username
    daily_limit: int = 400
    timeout_seconds: float = 60.0


@dataclass(frozen=True)
class CalendarConfig:
    quarter_due_month: int = 2
    quarter_due_day: int = 18
    annual_due: str = "11-05"
    reminder_days: tuple[int, ...] = (7, 3, 1)
    reminder_time: str = "08:00"
    escalate_days: tuple[int, ...] = (0, 7)
    digest_time: str = "07:30"
    overdue_window_days: int = (
        45  # SPEC §3: a period overdue by less than this is still "the" period
    )


@dataclass(frozen=True)
class AckConfig:
    enabled: bool = True


@dataclass(frozen=True)
class WebConfig:
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 8080
    password_env: str = "CCHC_WEB_PASSWORD"
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ParseConfig:
    max_attachment_mb: float = 25.0
    timeout_seconds: float = 60.0
    workers: int = 0  # processes that parse attachments; 0 = one per core, 1 = none


@dataclass(frozen=True)
class ExportConfig:
    # The unit whose Phụ lục 2 is the district's own line (group II); unset = sum of `huyen` units.
    district_unit: str | None = None


@dataclass(frozen=True)
class Config:
    path: Path
    office: OfficeConfig
    units_file: Path | None
    store: StoreConfig
    imap: ImapConfig
    smtp: SmtpConfig
    calendar: CalendarConfig
    ack: AckConfig
    web: WebConfig
    parse: ParseConfig
    templates: Path | None = None
    export: ExportConfig = field(default_factory=ExportConfig)

    @property
    def tz(self) -> ZoneInfo:
        return self.office.tz


_KNOWN: dict[str, set[str]] = {
    "office": {"name", "timezone", "notify"},
    "units": {"file"},
    "store": {"path", "archive"},
    "imap": {
        "host",
        "port",
        "security",
        "username",
        "password_env",
        "auth",
        "token_env",
        "client_id_env",
        "client_secret_env",
        "token_url",
        "folder",
        "trusted_authserv_id",
        "processed_label",
        "processed_folder",
        "poll_seconds",
        "batch_size",
        "timeout_seconds",
    },
    "smtp": {
        "host",
        "port",
        "security",
        "username",
        "password_env",
        "sender_name",
        "sender",
        "daily_limit",
        "timeout_seconds",
    },
    "calendar": {
        "quarter_due_month",
        "quarter_due_day",
        "annual_due",
        "reminder_days",
        "reminder_time",
        "escalate_days",
        "digest_time",
        "overdue_window_days",
    },
    "ack": {"enabled"},
    "web": {"enabled", "host", "port", "password_env"},
    "parse": {"max_attachment_mb", "timeout_seconds", "workers"},
    "mail": {"templates"},
    "export": {"district_unit"},
}


class _Section:
    """Typed access to one table of the TOML, each error naming `section.key` and the file."""

    def __init__(self, data: dict[str, Any], name: str, path: Path) -> None:
        self.data, self.name, self.file = data, name, path
        unknown = set(data) - _KNOWN.get(name, set())
        if unknown:
            key = sorted(unknown)[0]
            raise ConfigError("unknown key", key=f"{name}.{key}", path=str(path))

    def _err(self, key: str, msg: str) -> ConfigError:
        return ConfigError(msg, key=f"{self.name}.{key}", path=str(self.file))

    def get(self, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        if key not in self.data:
            return default
        value = self.data[key]
        if kind is int and isinstance(value, bool):
            raise self._err(key, "must be a whole number")
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, kind):
            names = {
                str: "a text",
                int: "a whole number",
                bool: "true or false",
                float: "a number",
                list: "a list",
            }
            want = (
                names.get(kind, str(kind))
                if isinstance(kind, type)
                else "a value of the right type"
            )
            raise self._err(key, f"must be {want}")
        return value

    def str(self, key: str, default: str | None = None, *, required: bool = False) -> Any:
        if required and key not in self.data:
            raise self._err(key, "is missing")
        return self.get(key, str, default)

    def int(self, key: str, default: int, lo: int | None = None, hi: int | None = None) -> int:
        value = self.get(key, int, default)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise self._err(key, f"must be between {lo} and {hi}")
        return value

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.str(key, default)
        if value not in choices:
            raise self._err(key, f"must be one of {', '.join(choices)}")
        return value

    def int_list(self, key: str, default: tuple[int, ...]) -> tuple[int, ...]:
        value = self.get(key, list, list(default))
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
            raise self._err(key, "must be a list of whole numbers >= 0")
        return tuple(value)

    def str_list(self, key: str) -> tuple[str, ...]:
        value = self.get(key, (list, str), [])
        if isinstance(value, str):
            value = [value]
        if not all(isinstance(v, str) for v in value):
            raise self._err(key, "must be a list of texts")
        return tuple(value)

    def hhmm(self, key: str, default: str) -> str:
        value = self.str(key, default)
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise self._err(key, "must be a time HH:MM")
        return value

    def path(self, key: str, default: str | None) -> Path | None:
        value = self.str(key, default)
        if value is None:
            return None
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.file.parent / p).resolve()

    def secret(self, env_key: str, default_env: str, env: dict[str, str]) -> str | None:
        name = self.str(env_key, default_env)
        return env.get(name) or None


def load_config(path: str | Path, env: dict[str, str] | None = None) -> Config:
    """Read and validate `config.toml`. Raises ConfigError naming the file and key at fault."""
    path = Path(path).resolve()
    env = dict(os.environ) if env is None else env
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            "configuration file not found; run `cchc init` to write one", path=str(path)
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=str(path)) from None
    for name, value in raw.items():
        if name not in _KNOWN:
            raise ConfigError("unknown section", key=name, path=str(path))
        if not isinstance(value, dict):
            raise ConfigError("must be a table [section]", key=name, path=str(path))

    def section(name: str) -> _Section:
        return _Section(raw.get(name, {}), name, path)

    o = section("office")
    tz = o.str("timezone", "Asia/Ho_Chi_Minh")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise o._err("timezone", f"unknown time zone {tz!r}") from None
    office = OfficeConfig(
        name=o.str("name", "Phòng Nội vụ"), timezone=tz, notify=o.str_list("notify")
    )

    u = section("units")
    units_file = u.path("file", None)

    s = section("store")
    store = StoreConfig(
        path=s.path("path", "data/cchc.sqlite"), archive=s.path("archive", "data/archive")
    )  # type: ignore[arg-type]

    i = section("imap")
    auth = i.choice("auth", "password", ("password", "xoauth2"))
    imap = ImapConfig(
        host=i.str("host", ""),
        port=i.int("port", 993, 1, 65535),
        security=i.choice("security", "ssl", SECURITY),
        username=i.str("username", ""),
        password_env=i.str("password_env", "CCHC_IMAP_PASSWORD"),
        password=i.secret("password_env", "CCHC_IMAP_PASSWORD", env),
        auth=auth,
        token_env=i.str("token_env", "CCHC_IMAP_REFRESH_TOKEN"),
        client_id_env=i.str("client_id_env", "CCHC_OAUTH_CLIENT_ID"),
        client_secret_env=i.str("client_secret_env", "CCHC_OAUTH_CLIENT_SECRET"),
        refresh_token=i.secret("token_env", "CCHC_IMAP_REFRESH_TOKEN", env),
        client_id=i.secret("client_id_env", "CCHC_OAUTH_CLIENT_ID", env),
        client_secret=i.secret("client_secret_env", "CCHC_OAUTH_CLIENT_SECRET", env),
        token_url=i.str("token_url", "https://oauth2.googleapis.com/token"),
        folder=i.str("folder", "INBOX"),
        trusted_authserv_id=i.str("trusted_authserv_id", "mx.google.com"),
        processed_label=i.str("processed_label", None),
        processed_folder=i.str("processed_folder", None),
        poll_seconds=i.int("poll_seconds", 300, 10, 86400),
        batch_size=i.int("batch_size", 50, 1, 1000),
        timeout_seconds=float(i.get("timeout_seconds", float, 60.0)),
    )
    if imap.processed_label and imap.processed_folder:
        raise i._err("processed_folder", "set processed_label or processed_folder, not both")

    m = section("smtp")
    username = m.str("username", "")
    smtp = SmtpConfig(
        host=m.str("host", ""),
        port=m.int("port", 465, 1, 65535),
        security=m.choice("security", "ssl", SECURITY),
        username=username,
        password_env=m.str("password_env", "CCHC_SMTP_PASSWORD"),
        password=m.secret("password_env", "CCHC_SMTP_PASSWORD", env),
        sender_name=m.str("sender_name", office.name),
        sender=m.str("sender", username),
        daily_limit=m.int("daily_limit", 400, 1, 100000),
        timeout_seconds=float(m.get("timeout_seconds", float, 60.0)),
    )

    c = section("calendar")
    annual = c.str("annual_due", "11-05")
    if not re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", annual):
        raise c._err("annual_due", 'must be MM-DD, e.g. "11-05"')
    calendar = CalendarConfig(
        quarter_due_month=c.int("quarter_due_month", 2, 1, 3),
        quarter_due_day=c.int("quarter_due_day", 18, 1, 28),
        annual_due=annual,
        reminder_days=c.int_list("reminder_days", (7, 3, 1)),
        reminder_time=c.hhmm("reminder_time", "08:00"),
        escalate_days=c.int_list("escalate_days", (0, 7)),
        digest_time=c.hhmm("digest_time", "07:30"),
        overdue_window_days=c.int("overdue_window_days", 45, 0, 366),
    )

    a = section("ack")
    w = section("web")
    p = section("parse")
    mail = section("mail")
    return Config(
        path=path,
        office=office,
        units_file=units_file,
        store=store,
        imap=imap,
        smtp=smtp,
        calendar=calendar,
        ack=AckConfig(enabled=a.get("enabled", bool, True)),
        web=WebConfig(
            enabled=w.get("enabled", bool, False),
            host=w.str("host", "127.0.0.1"),
            port=w.int("port", 8080, 1, 65535),
            password_env=w.str("password_env", "CCHC_WEB_PASSWORD"),
            password=w.secret("password_env", "CCHC_WEB_PASSWORD", env),
        ),
        parse=ParseConfig(
            max_attachment_mb=float(p.get("max_attachment_mb", float, 25.0)),
            timeout_seconds=float(p.get("timeout_seconds", float, 60.0)),
            workers=p.int("workers", 0, 0, 64),
        ),
        templates=mail.path("templates", None),
        export=ExportConfig(district_unit=section("export").str("district_unit", None) or None),
    )
