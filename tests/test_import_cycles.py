"""No import cycle among the project's modules (library/, web/, main.py): each layer imports only the ones
below it (docs/architecture.md), so a module can be read, tested and changed without the ones above it.

The graph is read from the source with ``ast``, not by importing: every ``import`` and ``from ... import``
counts, at module level and inside functions alike (a deferred import still ties the two modules together).
An edge goes to the module that holds what is imported: ``from a.b import c`` is an edge to ``a.b.c`` when
``c`` is a submodule, else to ``a.b`` (its ``__init__``). The parent packages Python runs on the way
(``a`` for ``a.b``) are not counted: a package's ``__init__`` that re-exports its submodules would
otherwise make a cycle of every package. Hand-written on the standard library (no graph dependency to pin for
one test): the rule above is the whole of it.
"""

from __future__ import annotations

import ast
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("library", "web")


def module_files() -> dict[str, Path]:
    """Module name -> its file, for every module of library/, web/ and main.py."""
    found = {"main": ROOT / "main.py"}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imported(node: ast.AST, module: str, is_package: bool, known: set[str]) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    if not isinstance(node, ast.ImportFrom):
        return set()
    if node.level:  # relative: from the module's own package, then up one level per extra dot
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - node.level + 1]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    # ``from a.b import c`` runs a/b/__init__ and reads c from it, even when c is a submodule
    return {source} | {f"{source}.{alias.name}" for alias in node.names if f"{source}.{alias.name}" in known}


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports (anywhere in its file)."""
    files = module_files()
    known = set(files)
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        targets = set()
        for node in ast.walk(tree):
            targets |= _imported(node, module, is_package, known)
        graph[module] = {t for t in targets if t in known and t != module}
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or around a loop (Tarjan's algorithm,
    iterative: the graph is deeper than Python's recursion wants to go on some trees)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return sorted(groups)


def one_cycle(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """A shortest loop through the group's first module, as a readable path a -> b -> ... -> a."""
    members, start = set(group), group[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & members):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start] if node != start else [start, start]
                if child not in came_from:
                    came_from[child] = node
                    following.append(child)
        frontier = following
    return group


def describe(graph: dict[str, set[str]], groups: list[list[str]]) -> str:
    return "\n".join(f"{len(g)} modules import each other ({', '.join(g)}); one loop: "
                     + " -> ".join(one_cycle(graph, g)) for g in groups)


def test_the_reader_sees_imports_in_functions_and_relative_ones():
    graph = import_graph()
    assert len(graph) > 100 and "main" in graph and "library.results" in graph
    assert "library.batch" in graph["main"]  # imported inside main.analyze() only
    assert all(t in graph for targets in graph.values() for t in targets)  # flask, numpy...: not ours, not kept
    known = {"a", "a.b", "a.b.c", "a.b.d", "a.e"}

    def edges(source, module, is_package=False):
        return set().union(*(_imported(n, module, is_package, known) for n in ast.walk(ast.parse(source))))

    assert edges("from . import d", "a.b.c") == {"a.b", "a.b.d"}
    assert edges("from .. import e", "a.b.c") == {"a", "a.e"}
    assert edges("from .c import x", "a.b", is_package=True) == {"a.b.c"}
    assert edges("def f():\n    import a.b.d as d", "a.e") == {"a.b.d"}


def test_a_planted_cycle_is_found_and_named():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    groups = strongly_connected(graph)
    assert groups == [["a", "b", "c"]]
    assert one_cycle(graph, groups[0]) == ["a", "b", "c", "a"]


def test_no_import_cycle():
    graph = import_graph()
    groups = strongly_connected(graph)
    assert not groups, "import cycles:\n" + describe(graph, groups)
