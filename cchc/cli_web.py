"""CLI commands of the web room; `register` adds them to the `cchc` group."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    """Add this module's commands to `cli`."""
