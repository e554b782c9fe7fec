"""Outgoing mail's words: Jinja2 templates the office can edit, and the escalation's workbook.

Each kind of mail has `<kind>.txt.j2` (plain text) and `<kind>.html.j2` (simple HTML). The
subject is set inside the text template — `{% set subject = "…" %}` — so a clerk edits one file
to change both. The built-in templates live in `cchc/templates/`; a folder named by `[mail]
templates` in config.toml overrides any of them by file name, and the rest fall back to the
built-in ones. Undefined variables are errors: a typo in an edited template must stop the mail,
not send a blank where a date should be. (The escalation's .xlsx is
`cchc.exports.compliance.build_period_status_xlsx`, the same table `cchc export` writes.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from cchc.core import labels
from cchc.core.errors import CchcError

BUILTIN = Path(__file__).parent / "templates"
TEMPLATES = ("ack", "reminder", "escalation", "digest")


class MailTemplateError(CchcError):
    """A mail template is missing or broken; names the template."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class Renderer:
    """Renders the mail templates in the office's time zone (dates dd/mm/yyyy, times HH:MM)."""

    def __init__(
        self,
        tz: ZoneInfo,
        folder: Path | None = None,
        *,
        office: str = "",
        notify: tuple[str, ...] = (),
    ) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if folder is not None:
            loaders.append(jinja2.FileSystemLoader(str(folder)))
        loaders.append(jinja2.FileSystemLoader(str(BUILTIN)))
        self.tz = tz
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=jinja2.select_autoescape(
                enabled_extensions=("html.j2",), default_for_string=False
            ),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(
            date=self._date,
            time=self._time,
            datetime=self._datetime,
            status_vi=_status_vi,
        )
        self.env.globals.update(office=office, notify=list(notify))

    def _local(self, value: datetime) -> datetime:
        return value.astimezone(self.tz) if value.tzinfo else value.replace(tzinfo=self.tz)

    def _date(self, value: datetime | date | str | None) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime):
            value = self._local(value).date()
        return value.strftime("%d/%m/%Y")

    def _time(self, value: datetime | str | None) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return self._local(value).strftime("%H:%M")

    def _datetime(self, value: datetime | str | None) -> str:
        if value is None:
            return ""
        return f"{self._time(value)} ngày {self._date(value)}"

    def render(self, template: str, context: Mapping[str, Any]) -> Rendered:
        """Subject, plain text and HTML of one mail; MailTemplateError names the template at fault."""
        name = f"{template}.txt.j2"
        try:
            text_tmpl = self.env.get_template(name)
            module = text_tmpl.make_module(dict(context))
            subject = " ".join(str(getattr(module, "subject", "")).split())
            text = str(module)
            if not subject:
                raise MailTemplateError(
                    f'mẫu thư {name} chưa đặt tiêu đề: thêm {{% set subject = "..." %}}'
                )
            name = f"{template}.html.j2"
            html = self.env.get_template(name).render(dict(context))
        except jinja2.TemplateNotFound:
            raise MailTemplateError(
                f"không tìm thấy mẫu thư {name} (thư mục mẫu có sẵn: {BUILTIN})"
            ) from None
        except jinja2.TemplateError as exc:
            where = f" dòng {exc.lineno}" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
            raise MailTemplateError(f"mẫu thư {name}{where} lỗi: {exc}") from exc
        return Rendered(subject=subject, text=text.strip() + "\n", html=html)


def _status_vi(value: str) -> str:
    return labels.word(labels.STATUS, value)
