"""The one-stop table (Phụ lục 2): spec, header, rows, checks; `parse_onestop` reads it from grids.

Imports only `cchc.core` and other `parsers` modules; never ingest, store, scheduler or the app.
"""

from parsers.onestop.spec import (
    DEFAULT_SPEC,
    CheckSpec,
    ColumnSpec,
    GroupSpec,
    OnestopSpec,
    load_spec,
)
from parsers.onestop.table import OnestopParse, parse_onestop

__all__ = [
    "DEFAULT_SPEC",
    "CheckSpec",
    "ColumnSpec",
    "GroupSpec",
    "OnestopParse",
    "OnestopSpec",
    "load_spec",
    "parse_onestop",
]
