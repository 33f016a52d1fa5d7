"""The architecture, enforced: layers as folders, imports pointing down, no cycles, widgets alone with ipywidgets.

Read from the source (every module of opus_nb parsed, none imported), so a new module is checked
as soon as it exists. Imports under `if TYPE_CHECKING:` serve annotations only and are not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import NamedTuple

PACKAGE = Path(__file__).resolve().parents[1] / "opus_nb"

#: Each layer and its rank: a module may import its own layer and layers of a lower rank only.
#: The emulator stands beside the client: it serves the API and is built on records alone.
RANKS = {"base": 0, "records": 1, "client": 2, "emulator": 2, "jobs": 3, "reviews": 4, "widgets": 5, "cli": 6, "facade": 7}
BASE = ("_errors", "_redact", "_exports")
#: What may be imported inside a function: optional extras, and uvloop (not on every platform).
LAZY_ALLOWED = ("opus_nb.emulator", "nbformat", "nbclient", "nbconvert", "matplotlib", "uvloop")
WIDGET_LIBRARIES = ("ipywidgets", "anywidget")

Graph = dict[str, set[str]]


class Import(NamedTuple):
    """``source`` imports ``target`` at ``line``."""

    source: str
    target: str
    at_top: bool
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path) for path in PACKAGE.rglob("*.py")}


def layer(module: str) -> str:
    """``opus_nb.jobs._submit`` -> ``jobs``; the top-level private modules are the base; the package and the accessor the facade."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "_accessor":
        return "facade"
    if parts[1] in BASE:
        return "base"
    assert parts[1] in RANKS, f"{module} is in no layer: give it a folder, or add it to BASE"
    return parts[1]


def imports(path: Path) -> list[Import]:
    """Every run-time import in ``path`` (``at_top``: not inside a function); ``from opus_nb.cli import _demo`` imports the module ``opus_nb.cli._demo``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    annotation_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for stmt in node.body
        for inner in ast.walk(stmt)
    }
    in_functions = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for inner in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in annotation_only or not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: a relative import"
            base = node.module or ""
            submodules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES]
            names = submodules or [base]
        else:
            names = [alias.name for alias in node.names]
        found += [Import(module_name(path), name, id(node) not in in_functions, node.lineno) for name in names]
    return found


def all_imports() -> list[Import]:
    return [found for path in sorted(PACKAGE.rglob("*.py")) for found in imports(path)]


def graph(found: list[Import]) -> Graph:
    """Module -> the opus_nb modules it imports at run time (at module level or in a function)."""
    edges: Graph = {m: set() for m in MODULES}
    for each in found:
        if each.target in MODULES and each.target != each.source:
            edges[each.source].add(each.target)
    return edges


def upward(edges: Graph) -> list[str]:
    return sorted(
        f"{source} ({layer(source)}) imports {target} ({layer(target)})"
        for source, targets in edges.items()
        for target in targets
        if layer(target) != layer(source) and RANKS[layer(target)] >= RANKS[layer(source)]
    )


def cycles(edges: Graph) -> list[list[str]]:
    """Each import cycle found by a depth-first walk, as the chain of modules that closes it."""
    done: set[str] = set()
    found: list[list[str]] = []

    def walk(trail: list[str]) -> None:
        for target in sorted(edges.get(trail[-1], ())):
            if target in trail:
                found.append([*trail[trail.index(target) :], target])
            elif target not in done:
                walk([*trail, target])
        done.add(trail[-1])

    for module in sorted(edges):
        if module not in done:
            walk([module])
    return found


def test_every_import_points_down_or_stays_in_its_layer() -> None:
    assert upward(graph(all_imports())) == []


def test_there_is_no_import_cycle() -> None:
    assert cycles(graph(all_imports())) == []


def test_only_optional_parts_are_imported_inside_functions() -> None:
    lazy = [f"{i.source}:{i.line} imports {i.target}" for i in all_imports() if not i.at_top]
    assert [line for line in lazy if not line.split(" imports ")[1].startswith(LAZY_ALLOWED)] == []


def test_only_the_widgets_layer_imports_ipywidgets() -> None:
    outside = {
        f"{i.source} imports {i.target}"
        for i in all_imports()
        if i.target.split(".")[0] in WIDGET_LIBRARIES and layer(i.source) != "widgets"
    }
    assert outside == set()


def test_the_checks_name_an_upward_import_and_a_cycle() -> None:
    edges = graph(all_imports())
    edges["opus_nb.records._schema"].add("opus_nb.widgets._panel")
    assert upward(edges) == ["opus_nb.records._schema (records) imports opus_nb.widgets._panel (widgets)"]
    edges["opus_nb.records._cells"].add("opus_nb.records._connection")
    closed = {"opus_nb.records._cells", "opus_nb.records._connection", "opus_nb.records._schema"}
    assert any(set(cycle) == closed for cycle in cycles(edges))


def test_the_layers_are_the_folders() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert folders == set(RANKS) - {"base", "facade"}
    loose = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "_accessor", *BASE}
    assert loose == set()


def test_the_readme_tree_names_every_module_once() -> None:
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    tree = readme.split("## Layout", 1)[1].split("```", 2)[1]
    listed, folder = [], ""
    for line in tree.splitlines()[2:]:
        name = line.split()[0]
        if line.startswith("  ") and not line.startswith("    "):
            folder = name if name.endswith("/") else ""
            if not folder:
                listed.append(name)
        elif line.startswith("    "):
            listed.append(folder + name)
    described = {
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py") and p.parent.name != "emulator"
    } | {"__init__.py"}
    assert sorted(listed) == sorted(described)
