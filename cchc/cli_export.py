"""CLI commands of the export room; `register` adds them to the `cchc` group."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    """Add this module's commands to `cli`."""
