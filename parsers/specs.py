"""The report templates as data: the outline (Phụ lục 1) and the one-stop table (Phụ lục 2).

Apart from the parsers so that opening a store (which checks the profile's templates first)
does not load the readers of Word, Excel, PDF and images.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from parsers import outline
from parsers.onestop.spec import OnestopSpec, load_spec

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Specs:
    """The loaded data files: the outline (Phụ lục 1) and the one-stop table (Phụ lục 2)."""

    outline: outline.OutlineSpec
    onestop: OnestopSpec


def default_specs() -> Specs:
    """parsers/data/outline.toml and onestop.toml (the seed's), read once per process."""
    return load_specs(None, None)


@functools.cache
def load_specs(outline_path: Path | None, onestop_path: Path | None) -> Specs:
    """The report templates of a profile (None: the seed's), read once per process. Raises
    ConfigError naming the file and the entry at fault."""
    return Specs(
        outline=outline.load_outline(outline_path or DATA / "outline.toml"),
        onestop=load_spec(onestop_path),
    )
