"""`cchc init` and `cchc profiles`: a working start for an office from a shipped profile.

A profile (SPEC §9) is a folder of `cchc/profiles/`: `profile.toml` (the office, calendar,
templates and groups — its first line says what it is), `units.toml`, and the template files it
names. `cchc init --profile NAME` writes config.toml (the profile, then the service part:
store, mailbox, mail, page) and copies the other files beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from cchc.core.errors import CchcError

DEFAULT_PROFILE = "daksong-2017"
_FILES = ("units.toml", "outline.toml", "onestop.toml")


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    folder: Traversable


def _profiles_root() -> Traversable:
    return resources.files("cchc") / "profiles"


def list_profiles() -> list[Profile]:
    out = []
    for folder in sorted(_profiles_root().iterdir(), key=lambda f: f.name):
        profile = folder / "profile.toml"
        if not profile.is_file():
            continue
        first = profile.read_text(encoding="utf-8").splitlines()[0]
        out.append(Profile(folder.name, first.lstrip("# ").strip(), folder))
    return out


def find_profile(name: str) -> Profile:
    for profile in list_profiles():
        if profile.name == name:
            return profile
    known = ", ".join(p.name for p in list_profiles())
    raise CchcError(f"không có hồ sơ {name!r} (các hồ sơ có sẵn: {known}; xem `cchc profiles`)")


def config_text(profile: Profile) -> str:
    """config.toml for a profile: its own part, then the service part."""
    own = (profile.folder / "profile.toml").read_text(encoding="utf-8")
    service = (resources.files("cchc") / "data" / "service.toml").read_text(encoding="utf-8")
    head = (
        f"# cchc-inbox configuration, written by `cchc init --profile {profile.name}`.\n"
        "# config.example.toml documents every key. Relative paths are relative to this file.\n\n"
    )
    return head + own.rstrip() + "\n\n" + service


def write_starter(config_path: Path, profile_name: str = DEFAULT_PROFILE) -> list[Path]:
    """Write config.toml, and the profile's units and template files where missing; the files
    written (an office's edited unit list or templates are never overwritten)."""
    profile = find_profile(profile_name)
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(config_text(profile), encoding="utf-8")
    written = [config_path]
    for name in _FILES:
        source = profile.folder / name
        target = config_path.parent / name
        if source.is_file() and not target.exists():
            target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
            written.append(target)
    return written
