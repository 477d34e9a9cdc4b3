"""The import graph of a package, read with ``ast`` (nothing is imported), for the layer rules.

Every import counts: at module level and inside functions (a flow's ``register()`` imports its
service there), absolute and relative; importing ``a.b.c`` also runs ``a/__init__.py`` and
``a/b/__init__.py``, so those are edges too. Modules outside the package are leaves (``jinja2``,
``sqlite3``): the walk names them but does not enter them.
"""

from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Rule:
    """A layer (its folder, relative to the root) and the module prefixes that nothing it imports,
    or reaches through other imports, may be. The walk does not enter ``through``: the gateway
    the layer is meant to go through (listeners get the services handed in)."""

    layer: str
    forbidden: tuple[str, ...]
    through: tuple[str, ...] = ()


def matches(module: str, prefixes: tuple[str, ...]) -> bool:
    """``bot.store.runs`` matches ``bot.store``; ``bot.storefront`` does not."""
    return any(module == p or module.startswith(p + ".") for p in prefixes)


class ImportGraph:
    def __init__(self, root: Path, package: str):
        self.root = root
        self.modules = {self._name(path): path for path in sorted((root / package).rglob("*.py"))}
        self._imports: dict[str, tuple[str, ...]] = {}

    def _name(self, path: Path) -> str:
        parts = path.relative_to(self.root).with_suffix("").parts
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    def _loaded_by(self, node: ast.AST, importer: str) -> list[str]:
        """The modules one statement names (``from bot import clock`` names ``bot`` and ``bot.clock``)."""
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        if not isinstance(node, ast.ImportFrom):
            return []
        base = node.module or ""
        if node.level:  # relative: against the importer's package
            package = importer if self.modules[importer].name == "__init__.py" else importer.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{base}" if base else package
        return [base] + [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in self.modules]

    def imports_of(self, name: str) -> tuple[str, ...]:
        """Every module that loading ``name`` loads directly, packages above each included."""
        if name not in self._imports:
            found: list[str] = []
            for node in ast.walk(ast.parse(self.modules[name].read_text())):
                for module in self._loaded_by(node, name):
                    parts = module.split(".")
                    for end in range(1, len(parts) + 1):
                        prefix = ".".join(parts[:end])
                        if prefix != name and prefix not in found and (prefix in self.modules or end == len(parts)):
                            found.append(prefix)
            self._imports[name] = tuple(found)
        return self._imports[name]

    def layer(self, folder: str) -> list[str]:
        return [name for name, path in self.modules.items() if path.is_relative_to(self.root / folder)]

    def offenders(self, rule: Rule, *, transitive: bool = True) -> list[str]:
        """``a -> b -> c`` for each forbidden module a module of the layer reaches, by the shortest
        chain. A chain through another module of the layer is left to that module's own line, and a
        package is left out where a module inside it is named."""
        starts = tuple(self.layer(rule.layer))
        found: list[str] = []
        for start in starts:
            came_from: dict[str, str | None] = {start: None}
            queue, reached = deque([start]), []
            while queue:
                current = queue.popleft()
                for module in self.imports_of(current):
                    if module in came_from:
                        continue
                    came_from[module] = current
                    if matches(module, rule.forbidden):
                        reached.append(module)
                    elif transitive and module in self.modules and not matches(module, (*rule.through, *starts)):
                        queue.append(module)
            found += [" -> ".join(_chain(came_from, module)) for module in reached
                      if not any(other.startswith(module + ".") for other in reached)]
        return found


def _chain(came_from: dict[str, str | None], module: str | None) -> list[str]:
    chain: list[str] = []
    while module is not None:
        chain.append(module)
        module = came_from[module]
    return chain[::-1]
