"""The project's floors, read from the code: every import of every module (at the top or
inside a function; `if TYPE_CHECKING:` blocks aside) goes down or stays in its app, never
up, and no modules import each other in a circle (README, "Where things are").

    reintegration/dashboard, demo, the root URLs, privacy and anonymisation      (on top)
    cases → followup → ceremonies → procurement → grants → beneficiaries → reintegration/*
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = [
    "reintegration", "beneficiaries", "grants", "procurement", "ceremonies", "followup", "cases",
]

# The floors, lowest first; a module's floor is that of its longest matching prefix.
FLOORS = [
    "reintegration", "beneficiaries", "grants", "procurement", "ceremonies", "followup", "cases",
    "top",
]
FLOOR_OF = {
    "reintegration": "reintegration",
    "beneficiaries": "beneficiaries",
    "grants": "grants",
    "procurement": "procurement",
    "ceremonies": "ceremonies",
    "followup": "followup",
    # Around a file: grievances, referrals, transfers, SMS (reads the floors below).
    "cases": "cases",
    # What composes the apps: it reads them all.
    "reintegration.dashboard": "top",
    "reintegration.demo.management": "top",
    "reintegration.urls": "top",
    "reintegration.security.privacy": "top",
    "reintegration.security.anonymisation": "top",
    "reintegration.security.signals": "top",
    "reintegration.security.views": "top",
    "reintegration.security.management": "top",
    "reintegration.security.urls": "top",
    "reintegration.security.apps": "top",  # its ready() connects the signals above
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }


MODULES = project_modules()


def resolve(name: str | None) -> str | None:
    """The project module that `name` (a module or a name in one) is, or None."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for branch in ast.walk(tree)
        if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
        for statement in branch.body
        for node in ast.walk(statement)
    }
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {resolve(alias.name) for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:
                name = f"{base}.{alias.name}"
                found.add(name if name in MODULES else resolve(base))
    return found - {None, module}


GRAPH = {module: imports_of(module, path) for module, path in MODULES.items()}


def floor(module: str) -> int:
    prefix = max(
        (prefix for prefix in FLOOR_OF if module == prefix or module.startswith(prefix + ".")), key=len
    )
    return FLOORS.index(FLOOR_OF[prefix])


def test_the_graph_is_read():
    assert "procurement.models" in GRAPH["procurement.services"]
    assert "grants.services" in GRAPH["followup.apps"]  # inside ready()
    assert "procurement.models" not in GRAPH["grants.services"]  # TYPE_CHECKING only


def test_no_import_goes_up_a_floor():
    upward = sorted(
        f"{module} imports {target} ({FLOORS[floor(module)]} below {FLOORS[floor(target)]})"
        for module, targets in GRAPH.items()
        for target in targets
        if floor(target) > floor(module)
    )
    assert upward == []


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_modules_import_each_other_in_a_circle():
    assert cycles(GRAPH) == []
