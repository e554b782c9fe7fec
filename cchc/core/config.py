"""Configuration: read once from TOML, validated up front, handed around as frozen dataclasses.

Components never read `os.environ`: secrets are resolved here, from the `*_env` keys.
Every mistake names its key and file, so `cchc` can stop with one line and exit code 2.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cchc.core.config_reader import Section
from cchc.core.config_web import WEB_KEYS, WebConfig, web_config
from cchc.core.due_rules import DueRule
from cchc.core.errors import ConfigError
from cchc.core.periods import MONTHS, REPORT_NAMES, SEED_KINDS, expand_reports

SECURITY = ("ssl", "starttls", "none")


@dataclass(frozen=True)
class OfficeConfig:
    name: str = "Phòng Nội vụ"
    timezone: str = "Asia/Ho_Chi_Minh"
    notify: tuple[str, ...] = ()
    issuer: str = ""  # the authority above the office, for document headers
    place: str = ""  # "<place>, ngày … tháng … năm …"

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
    """The reporting calendar (SPEC §5a, §9). `due` holds the `[calendar.due]` rules as written;
    `rules` adds the §5a shorthand for Q1, H1, Q3 and Y where no rule is written."""

    quarter_due_month: int = 2
    quarter_due_day: int = 18
    annual_due: str = "11-05"
    reminder_days: tuple[int, ...] = (7, 3, 1)
    reminder_time: str = "08:00"
    escalate_days: tuple[int, ...] = (0, 7)
    digest_time: str = "07:30"
    overdue_window_days: int = 45  # SPEC §3: a period overdue by less than this is still "the" one
    reports: tuple[str, ...] = SEED_KINDS
    deadline: str = "before"  # before | by
    on_day_off: str = "keep"  # keep | next_working_day
    extra_days_off: tuple[date, ...] = ()
    extra_working_days: tuple[date, ...] = ()
    due: tuple[tuple[str, str], ...] = ()  # (kind, rule) as configured

    @property
    def kinds(self) -> tuple[str, ...]:
        """The period kinds collected each year, in order ("M" expanded to the twelve months)."""
        return expand_reports(self.reports)

    @property
    def shorthand(self) -> dict[str, str]:
        """The §5a keys as §9 rules: Q1 = "02-18", H1 = "05-18", Q3 = "08-18", Y = "11-05"."""
        day = f"{self.quarter_due_day:02d}"
        return {
            "Q1": f"{self.quarter_due_month:02d}-{day}",
            "H1": f"{3 + self.quarter_due_month:02d}-{day}",
            "Q3": f"{6 + self.quarter_due_month:02d}-{day}",
            "Y": self.annual_due,
        }

    @property
    def rules(self) -> tuple[tuple[str, str], ...]:
        """(kind, rule) for every collected kind; a kind without one is left out."""
        written = dict(self.due)
        for report in self.reports:
            if report == "M" and "M" in written:
                written.update(dict.fromkeys(MONTHS, written["M"]))
        default = self.shorthand
        out = []
        for kind in self.kinds:
            rule = written.get(kind) or default.get(kind)
            if rule:
                out.append((kind, rule))
        return tuple(out)


@dataclass(frozen=True)
class GroupConfig:
    """A unit group (SPEC §9 `[[groups]]`), in the order exports list them."""

    id: str
    name: str
    short: str = ""  # a column's word ("Cấp xã"); defaults to the name
    onestop_section: str = ""  # its section of the consolidated one-stop table ("II")
    onestop_rows: str = "units"  # "units": a line per unit; "sum": one line for the group

    @property
    def label(self) -> str:
        return self.short or self.name


SEED_GROUPS = (
    GroupConfig("huyen", "Phòng, ban, đơn vị thuộc huyện", "Cấp huyện", "II", "sum"),
    GroupConfig("xa", "UBND các xã, thị trấn", "Cấp xã", "III", "units"),
)


@dataclass(frozen=True)
class TemplatesConfig:
    """The report formats: None means the seed's, shipped with cchc."""

    outline: Path | None = None
    onestop: Path | None = None


@dataclass(frozen=True)
class AckConfig:
    enabled: bool = True


@dataclass(frozen=True)
class ParseConfig:
    max_attachment_mb: float = 25.0
    timeout_seconds: float = 60.0  # reading one attachment; OCR has its own limit below
    workers: int = 0  # processes that parse attachments; 0 = one per core, 1 = none
    # Scans (image-only PDFs, photos of pages) read by Tesseract's Vietnamese model:
    ocr: bool = True
    ocr_max_pages: int = 30  # a longer scan is not read (coverage unknown, never partial)
    ocr_timeout_seconds: float = 300.0  # per scan, rasterising and reading every page
    ocr_dpi: int = 300  # resolution PDF pages are rasterised at
    tesseract: str = "tesseract"  # the Tesseract program: a name on PATH or a path


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
    mail_templates: Path | None = None  # [mail] templates: a folder overriding the mail texts
    export: ExportConfig = field(default_factory=ExportConfig)
    templates: TemplatesConfig = field(default_factory=TemplatesConfig)
    groups: tuple[GroupConfig, ...] = SEED_GROUPS

    @property
    def tz(self) -> ZoneInfo:
        return self.office.tz

    def group(self, group_id: str) -> GroupConfig | None:
        return next((g for g in self.groups if g.id == group_id), None)


def _keys(section: type) -> set[str]:
    """A section's keys are its dataclass's fields, where the two are one to one."""
    return {f.name for f in fields(section)}


_KNOWN: dict[str, set[str]] = {
    "office": {"name", "timezone", "notify", "issuer", "place"},
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
    "calendar": _keys(CalendarConfig),
    "ack": {"enabled"},
    "web": WEB_KEYS,
    "parse": _keys(ParseConfig),
    "mail": {"templates"},
    "export": {"district_unit"},
    "templates": {"outline", "onestop"},
}
_GROUP_KEYS = {"id", "name", "short", "onestop_section", "onestop_rows"}


def load_config(path: str | Path, env: dict[str, str] | None = None) -> Config:
    """Read and validate `config.toml`. Raises ConfigError naming the file and key at fault."""
    path = Path(path).resolve()
    env = dict(os.environ) if env is None else env
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            "không tìm thấy tệp cấu hình; chạy `cchc init` để tạo", path=str(path)
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"tệp cấu hình không đúng cú pháp TOML: {exc}", path=str(path)) from None
    for name, value in raw.items():
        if name == "groups":
            continue
        if name not in _KNOWN:
            raise ConfigError("mục không có trong cấu hình của cchc", key=name, path=str(path))
        if not isinstance(value, dict):
            raise ConfigError("phải là một bảng [mục]", key=name, path=str(path))

    def section(name: str) -> Section:
        return Section(raw.get(name, {}), name, path, _KNOWN[name])

    office = _office(section("office"))
    s = section("store")
    p = section("parse")
    return Config(
        path=path,
        office=office,
        units_file=section("units").optional_path("file"),
        store=StoreConfig(
            path=s.path("path", "data/cchc.sqlite"), archive=s.path("archive", "data/archive")
        ),
        imap=_imap(section("imap"), env),
        smtp=_smtp(section("smtp"), office, env),
        calendar=_calendar(section("calendar")),
        ack=AckConfig(enabled=section("ack").flag("enabled", True)),
        web=web_config(section("web"), env),
        parse=ParseConfig(
            max_attachment_mb=p.number("max_attachment_mb", 25.0),
            timeout_seconds=p.number("timeout_seconds", 60.0),
            workers=p.integer("workers", 0, 0, 64),
            ocr=p.flag("ocr", True),
            ocr_max_pages=p.integer("ocr_max_pages", 30, 1, 1000),
            ocr_timeout_seconds=p.number("ocr_timeout_seconds", 300.0),
            ocr_dpi=p.integer("ocr_dpi", 300, 72, 600),
            tesseract=p.text("tesseract", "tesseract"),
        ),
        mail_templates=section("mail").optional_path("templates"),
        export=ExportConfig(district_unit=section("export").optional_text("district_unit") or None),
        templates=TemplatesConfig(
            outline=section("templates").optional_path("outline"),
            onestop=section("templates").optional_path("onestop"),
        ),
        groups=_groups(raw.get("groups"), path),
    )


def _office(o: Section) -> OfficeConfig:
    tz = o.text("timezone", "Asia/Ho_Chi_Minh")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise o.error("timezone", f"không biết múi giờ {tz!r}") from None
    name = o.text("name", "Phòng Nội vụ")
    issuer, place = _authority_of(name)
    return OfficeConfig(
        name=name,
        timezone=tz,
        notify=o.texts("notify"),
        issuer=o.text("issuer", issuer),
        place=o.text("place", place),
    )


_LEVELS = ("tỉnh", "thành phố", "thị xã", "huyện", "quận", "xã", "phường", "thị trấn")


def _authority_of(office: str) -> tuple[str, str]:
    """(issuer, place) as the office's own name says them, for a config without [office]
    issuer/place: "Phòng Nội vụ huyện Đắk Song" → ("ỦY BAN NHÂN DÂN HUYỆN ĐẮK SONG", "Đắk Song").
    Empty when the name names no locality."""
    low = office.lower()
    for level in _LEVELS:
        at = low.find(f" {level} ")
        if at >= 0:
            rest = office[at + 1 :].strip()
            place = rest[len(level) :].strip()
            return f"ỦY BAN NHÂN DÂN {rest.upper()}", place
    return "", ""


def _imap(i: Section, env: dict[str, str]) -> ImapConfig:
    imap = ImapConfig(
        host=i.text("host", ""),
        port=i.integer("port", 993, 1, 65535),
        security=i.choice("security", "ssl", SECURITY),
        username=i.text("username", ""),
        password_env=i.text("password_env", "CCHC_IMAP_PASSWORD"),
        password=i.secret("password_env", "CCHC_IMAP_PASSWORD", env),
        auth=i.choice("auth", "password", ("password", "xoauth2")),
        token_env=i.text("token_env", "CCHC_IMAP_REFRESH_TOKEN"),
        client_id_env=i.text("client_id_env", "CCHC_OAUTH_CLIENT_ID"),
        client_secret_env=i.text("client_secret_env", "CCHC_OAUTH_CLIENT_SECRET"),
        refresh_token=i.secret("token_env", "CCHC_IMAP_REFRESH_TOKEN", env),
        client_id=i.secret("client_id_env", "CCHC_OAUTH_CLIENT_ID", env),
        client_secret=i.secret("client_secret_env", "CCHC_OAUTH_CLIENT_SECRET", env),
        token_url=i.text("token_url", "https://oauth2.googleapis.com/token"),
        folder=i.text("folder", "INBOX"),
        trusted_authserv_id=i.text("trusted_authserv_id", "mx.google.com"),
        processed_label=i.optional_text("processed_label"),
        processed_folder=i.optional_text("processed_folder"),
        poll_seconds=i.integer("poll_seconds", 300, 10, 86400),
        batch_size=i.integer("batch_size", 50, 1, 1000),
        timeout_seconds=i.number("timeout_seconds", 60.0),
    )
    if imap.processed_label and imap.processed_folder:
        raise i.error("processed_folder", "chỉ đặt một trong processed_label hoặc processed_folder")
    return imap


def _smtp(m: Section, office: OfficeConfig, env: dict[str, str]) -> SmtpConfig:
    username = m.text("username", "")
    return SmtpConfig(
        host=m.text("host", ""),
        port=m.integer("port", 465, 1, 65535),
        security=m.choice("security", "ssl", SECURITY),
        username=username,
        password_env=m.text("password_env", "CCHC_SMTP_PASSWORD"),
        password=m.secret("password_env", "CCHC_SMTP_PASSWORD", env),
        sender_name=m.text("sender_name", office.name),
        sender=m.text("sender", username),
        daily_limit=m.integer("daily_limit", 400, 1, 100000),
        timeout_seconds=m.number("timeout_seconds", 60.0),
    )


def _calendar(c: Section) -> CalendarConfig:
    annual = c.text("annual_due", "11-05")
    if not re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", annual):
        raise c.error("annual_due", 'phải có dạng MM-DD, ví dụ "11-05"')
    reports = c.texts("reports") if "reports" in c.data else SEED_KINDS
    for report in reports:
        if report not in REPORT_NAMES:
            raise c.error(
                "reports", f"{report!r} không phải loại báo cáo ({', '.join(REPORT_NAMES)})"
            )
    if not reports:
        raise c.error("reports", "không có loại báo cáo nào")
    due = c.value("due", dict, {})
    for kind, rule in due.items():
        if kind not in REPORT_NAMES and kind not in MONTHS:
            raise c.error(f"due.{kind}", f"{kind!r} không phải loại báo cáo")
        if not isinstance(rule, str):
            raise c.error(f"due.{kind}", 'phải là chuỗi chữ, ví dụ "03-14 +2wd"')
    cal = CalendarConfig(
        quarter_due_month=c.integer("quarter_due_month", 2, 1, 3),
        quarter_due_day=c.integer("quarter_due_day", 18, 1, 28),
        annual_due=annual,
        reminder_days=c.integers("reminder_days", (7, 3, 1)),
        reminder_time=c.hhmm("reminder_time", "08:00"),
        escalate_days=c.integers("escalate_days", (0, 7)),
        digest_time=c.hhmm("digest_time", "07:30"),
        overdue_window_days=c.integer("overdue_window_days", 45, 0, 366),
        reports=tuple(dict.fromkeys(reports)),
        deadline=c.choice("deadline", "before", ("before", "by")),
        on_day_off=c.choice("on_day_off", "keep", ("keep", "next_working_day")),
        extra_days_off=c.dates("extra_days_off"),
        extra_working_days=c.dates("extra_working_days"),
        due=tuple((str(k), str(v).strip()) for k, v in due.items()),
    )
    _check_rules(cal, c)
    return cal


def _check_rules(cal: CalendarConfig, c: Section) -> None:
    """Every collected kind needs a well-formed rule (SPEC §9): stop naming the kind."""
    have = dict(cal.rules)
    for kind in cal.kinds:
        name = "M" if kind in MONTHS and "M" in cal.reports else kind
        if kind not in have:
            raise c.error(
                f"due.{name}",
                f"báo cáo loại {name} cần một quy tắc hạn, ví dụ {name} = "
                + ('"next:05"' if kind in MONTHS else '"03-14 +2wd"'),
            )
        try:
            DueRule.parse(have[kind], kind)
        except ValueError as exc:
            raise c.error(f"due.{name}", str(exc)) from None


def _groups(raw: object, path: Path) -> tuple[GroupConfig, ...]:
    """`[[groups]]`, or the seed's two when there are none."""
    if raw is None:
        return SEED_GROUPS
    if not isinstance(raw, list) or not all(isinstance(g, dict) for g in raw) or not raw:
        raise ConfigError("phải là danh sách các bảng [[groups]]", key="groups", path=str(path))
    out: list[GroupConfig] = []
    for i, data in enumerate(raw):
        g = Section(data, f"groups[{i}]", path, _GROUP_KEYS)
        group_id = g.text("id", "").strip()
        if not group_id:
            raise g.error("id", "còn thiếu")
        if any(o.id == group_id for o in out):
            raise g.error("id", f"nhóm {group_id!r} được khai hai lần")
        out.append(
            GroupConfig(
                id=group_id,
                name=g.text("name", group_id),
                short=g.text("short", ""),
                onestop_section=g.text("onestop_section", ""),
                onestop_rows=g.choice("onestop_rows", "units", ("units", "sum")),
            )
        )
    return tuple(out)
