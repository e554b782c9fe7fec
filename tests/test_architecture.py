"""The house keeps its own rules: imports run one way, never in a circle; SQL lives in `store/`;
modules and functions stay small enough to read in one sitting.

The layers, lowest first (a module may import its own layer and the ones below):

    core      cchc.core                          errors, text, config, units, periods, labels
    parsers   parsers                            attachments → results
    ingest    ingest                             mail in: files, IMAP, MIME, matching, facts
    store     store                              SQLite and the archive
    app       cchc (the rest)                    pipeline, decisions, views, outbox, exports
    roof      scheduler, cchc.web                the service's jobs, the staff page
    cli       cchc.cli, cchc.__main__            the command line

Imports under `if TYPE_CHECKING:` do not count; imports inside functions do.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cchc", "ingest", "parsers", "store", "scheduler")
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("core", ("cchc.core",)),
    ("parsers", ("parsers",)),
    ("ingest", ("ingest",)),
    ("store", ("store",)),
    ("app", ("cchc",)),
    ("roof", ("scheduler", "cchc.web")),
    ("cli", ("cchc.cli", "cchc.__main__")),
]
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80
# A module may be longer when its docstring says why, on a line starting with this.
SIZE_REASON = "Size:"
SQL = re.compile(
    r"\bSELECT\b[\s\S]+\bFROM\b|\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b"
    r"|\bDELETE\s+FROM\b|\bCREATE\s+(?:TABLE|INDEX|VIEW|TRIGGER)\b|\bPRAGMA\s+\w+"
)


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    source: str

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"


def project_modules(root: Path = ROOT) -> dict[str, Module]:
    out = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join(parts)
            out[name] = Module(name, path, path.read_text(encoding="utf-8"))
    return out


def layer_of(name: str) -> int:
    best, best_len = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    if best < 0:
        raise AssertionError(f"module {name} is in no layer")
    return best


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skip.update(id(n) for n in ast.walk(child))
    return skip


def _resolve(target: str, known: dict[str, Module]) -> str | None:
    """The project module an import names (a submodule when it is one, else its package)."""
    while target:
        if target in known:
            return target
        target = target.rpartition(".")[0]
    return None


def imports_of(module: Module, known: dict[str, Module]) -> Iterator[tuple[str, int]]:
    """(imported project module, line) for every import outside `if TYPE_CHECKING:`."""
    tree = ast.parse(module.source)
    skip = _type_checking_nodes(tree)
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                found = _resolve(alias.name, known)
                if found:
                    yield found, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                found = _resolve(f"{base}.{alias.name}", known) or _resolve(base, known)
                if found:
                    yield found, node.lineno


def graph(known: dict[str, Module]) -> dict[str, set[str]]:
    return {
        name: {target for target, _ in imports_of(module, known) if target != name}
        for name, module in known.items()
    }


def upward_imports(known: dict[str, Module]) -> list[str]:
    out = []
    for name, module in known.items():
        for target, line in imports_of(module, known):
            if layer_of(target) > layer_of(name):
                out.append(
                    f"{module.path.relative_to(module.path.parents[len(name.split('.'))])}:{line} "
                    f"{name} ({LAYERS[layer_of(name)][0]}) imports {target} "
                    f"({LAYERS[layer_of(target)][0]})"
                )
    return out


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def sql_strings(module: Module) -> list[int]:
    """Lines of string constants that hold SQL."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(module.source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value)
    ]


def long_functions(module: Module) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(module.source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                out.append(f"{module.name}.{node.name} ({length} lines)")
    return out


def _size_reason(module: Module) -> bool:
    doc = ast.get_docstring(ast.parse(module.source)) or ""
    return any(line.strip().startswith(SIZE_REASON) for line in doc.splitlines())


# --- the rules, on the project ----------------------------------------------------------------

MODULES = project_modules()


def test_every_module_is_in_a_layer() -> None:
    for name in MODULES:
        layer_of(name)


def test_no_module_imports_from_a_layer_above_it() -> None:
    assert upward_imports(MODULES) == []


def test_no_modules_import_each_other_in_a_circle() -> None:
    assert cycles(graph(MODULES)) == []


def test_no_sql_outside_the_store() -> None:
    found = {
        name: lines
        for name, module in MODULES.items()
        if not name.startswith("store") and (lines := sql_strings(module))
    }
    assert found == {}


def test_no_module_is_longer_than_it_can_be_read_without_a_stated_reason() -> None:
    long = [
        f"{name} ({len(m.source.splitlines())} lines)"
        for name, m in MODULES.items()
        if len(m.source.splitlines()) > MAX_MODULE_LINES and not _size_reason(m)
    ]
    assert long == []


def test_no_function_is_longer_than_80_lines() -> None:
    assert [f for m in MODULES.values() for f in long_functions(m)] == []


def test_every_package_says_what_it_is_for_and_what_it_may_import() -> None:
    silent = [
        name
        for name, m in MODULES.items()
        if m.is_package
        and name in ("cchc.core", "parsers", "ingest", "store", "scheduler", "cchc.cli", "cchc.web")
        and "import" not in (ast.get_docstring(ast.parse(m.source)) or "").lower()
    ]
    assert silent == []


# --- the checker itself can fail -------------------------------------------------------------------


def _fake(tmp_path: Path, files: dict[str, str]) -> dict[str, Module]:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for package in PACKAGES:
        (tmp_path / package).mkdir(exist_ok=True)
        (tmp_path / package / "__init__.py").touch()
    return project_modules(tmp_path)


def test_an_import_from_a_layer_above_is_caught(tmp_path: Path) -> None:
    known = _fake(
        tmp_path,
        {
            "store/repo.py": "from cchc.decide import decide\n",
            "cchc/decide.py": "def decide() -> None: ...\n",
            "ingest/match.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from store import repo\n"
            ),
        },
    )
    found = upward_imports(known)
    assert len(found) == 1 and "store.repo (store) imports cchc.decide (app)" in found[0]


def test_a_circle_is_caught_and_a_type_checking_import_breaks_none(tmp_path: Path) -> None:
    known = _fake(
        tmp_path,
        {
            "cchc/cli/__init__.py": "",
            "cchc/cli/a.py": "def f() -> None:\n    from cchc.cli import b\n",
            "cchc/cli/b.py": "from cchc.cli.a import f\n",
            "cchc/web/__init__.py": "",
            "cchc/web/x.py": "from cchc.web import y\n",
            "cchc/web/y.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from cchc.web.x import z\n"
            ),
        },
    )
    assert cycles(graph(known)) == [["cchc.cli.a", "cchc.cli.b"]]


@pytest.mark.parametrize(
    "text",
    [
        '"SELECT id FROM messages"',
        "f\"UPDATE outbox SET status = 'x' WHERE id IN ({marks})\"",
        '"""INSERT OR IGNORE INTO sightings (source) VALUES (?)"""',
    ],
)
def test_sql_outside_the_store_is_caught(tmp_path: Path, text: str) -> None:
    known = _fake(tmp_path, {"cchc/views.py": f"Q = {text}\n"})
    assert sql_strings(known["cchc.views"]) == [1]


def test_prose_about_imap_select_is_not_sql(tmp_path: Path) -> None:
    known = _fake(tmp_path, {"ingest/imap.py": '"""EXAMINE (not SELECT) and BODY.PEEK[]."""\n'})
    assert sql_strings(known["ingest.imap"]) == []


def test_the_roof_rooms_stand_apart() -> None:
    """The scheduler and the web page are siblings: `cchc run` composes them, neither knows
    the other (and neither knows the CLI)."""
    crossing = [
        f"{name} imports {target}"
        for name, module in MODULES.items()
        for target, _ in imports_of(module, MODULES)
        if (name.startswith("scheduler") and target.startswith(("cchc.web", "cchc.cli")))
        or (name.startswith("cchc.web") and target.startswith(("scheduler", "cchc.cli")))
    ]
    assert crossing == []
