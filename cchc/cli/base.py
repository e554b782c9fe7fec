"""What every command shares: the options, opening the app, reading a moment, printing JSON,
and turning an expected error into one line and exit code 2 (SPEC §5)."""

from __future__ import annotations

import errno
import json
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import click

from cchc.core.config import load_config
from cchc.core.errors import CchcError, ConfigError

if TYPE_CHECKING:  # the app (parsers, Office readers) loads only when a command needs it
    from cchc.app import App

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_CONFIG = "config.toml"
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


class CchcGroup(click.Group):
    """Turns expected errors into one line and exit code 2, never a traceback."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and not args[0].startswith("-") and self.get_command(ctx, args[0]) is None:
            ctx.fail(f"không có lệnh {args[0]!r}")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            click.echo(f"cchc: {usage_text(exc)}", err=True)
            ctx.exit(2)
        except ConfigError as exc:
            click.echo(f"cchc: lỗi cấu hình: {exc}", err=True)
            ctx.exit(2)
        except CchcError as exc:
            click.echo(f"cchc: {exc}", err=True)
            ctx.exit(2)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            click.echo(
                f"cchc: hết chỗ trên đĩa khi ghi {exc.filename or 'tệp'}: giải phóng chỗ rồi "
                "chạy lại lệnh (những gì đã ghi được giữ nguyên)",
                err=True,
            )
            ctx.exit(2)
        except sqlite3.DatabaseError as exc:  # damaged while in use: one line, the way back
            click.echo(
                f"cchc: kho dữ liệu bị hỏng ({exc}): chạy `cchc rebuild` để dựng lại từ kho lưu trữ",
                err=True,
            )
            ctx.exit(2)


def usage_text(exc: click.UsageError) -> str:
    """Click's own usage errors, framed in Vietnamese (its words name the option at fault)."""
    command = exc.ctx.command_path if exc.ctx else "cchc"
    hint = f" (xem `{command} -h`)"
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        return f"thiếu {exc.param.get_error_hint(exc.ctx)}{hint}"
    if isinstance(exc, click.BadParameter):
        names = exc.param.get_error_hint(exc.ctx) if exc.param is not None else exc.param_hint
        return f"giá trị không hợp lệ cho {names or '?'}: {exc.message}"
    if isinstance(exc, click.NoSuchOption):
        return f"không có tùy chọn {exc.option_name}{hint}"
    return f"dùng lệnh chưa đúng: {exc.message}{hint}"


def config_option(func: F) -> F:
    return click.option(
        "--config",
        "config_path",
        default=DEFAULT_CONFIG,
        show_default=True,
        type=click.Path(dir_okay=False),
        help="Configuration file.",
    )(func)


def json_option(func: F) -> F:
    return click.option(
        "--json", "as_json", is_flag=True, help="Machine-readable output on stdout."
    )(func)


def open_app(config_path: str) -> App:
    """The app of this configuration, closed when the command ends (however it ends)."""
    from cchc.app import App

    app = App(load_config(config_path))
    click.get_current_context().call_on_close(app.close)
    return app


def parse_moment(value: str | None, tz: ZoneInfo, option: str = "--at") -> datetime | None:
    """ISO 8601; a moment without an offset is office time; a bare date is its midnight."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} không phải một thời điểm: viết theo ISO 8601, ví dụ 2025-02-18T00:00:00+07:00",
            param_hint=option,
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=1))


def setup_logging(verbose: int) -> None:
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(
        level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s"
    )


def exit_with(code: int) -> None:
    """End the command with this exit code (the app is closed on the way out)."""
    click.get_current_context().exit(code)
