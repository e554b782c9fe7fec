"""`cchc`, the command line: thin commands over `cchc.app`, Vietnamese tables, `--json`.

The roof: may import every room; nothing imports it. Exit codes: 0 fine, 1 finished with
something worth a look, 2 bad usage or configuration (one line naming the key or file).
"""

from __future__ import annotations

from cchc.cli.base import parse_moment
from cchc.cli.main import cli, main

__all__ = ["cli", "main", "parse_moment"]
