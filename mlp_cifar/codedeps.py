"""A workflow rule's code dependencies, derived from the imports of its script.

The workflow calls ``module_files(script)`` for each rule while Snakemake parses it: the package
source files that the script imports, directly or through other package modules, with the
``__init__.py`` of every package on the way (Python runs those too). Every ``import`` statement
counts, also one inside a function, because it may run. Editing any of these files reruns the rule;
editing anything else does not. Pure standard library, so parsing the workflow stays fast.
"""

from __future__ import annotations

import ast
import os
from functools import lru_cache
from pathlib import Path

PACKAGE = "mlp_cifar"


def _module_file(root: Path, module: str) -> Path | None:
    """The source file of a package module ('mlp_cifar.data.cache'), or None if it is not one."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    base = root.joinpath(*parts)
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


@lru_cache(maxsize=None)  # each file is parsed once, however many rules' closures reach it
def _imported_modules(path: Path, this_module: str | None) -> frozenset[str]:
    """Every module an ``import`` in ``path`` may load: for ``from a import b`` both a and a.b
    (b may be a submodule); relative imports resolved against ``this_module``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if this_module is None:
                    raise ValueError(f"{path}: relative import outside the package")
                package = this_module if path.name == "__init__.py" else this_module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{node.module}" if node.module else package
            else:
                base = node.module
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(found)


def _with_parents(module: str) -> list[str]:
    """'a.b.c' -> ['a', 'a.b', 'a.b.c']: importing a module runs its packages' __init__ first."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


@lru_cache(maxsize=None)
def _closure(root: str, start: str) -> frozenset[Path]:
    root_path = Path(root)
    seen: set[Path] = set()
    stack: list[tuple[Path, str | None]] = [(Path(start), None)]
    while stack:
        path, module = stack.pop()
        for name in _imported_modules(path, module):
            for parent in _with_parents(name):
                target = _module_file(root_path, parent)
                if target is not None and target not in seen:
                    seen.add(target)
                    stack.append((target, parent))
    return frozenset(seen)


def module_files(*sources: str | os.PathLike, modules: tuple[str, ...] = (), root: str | os.PathLike = ".") -> list[str]:
    """The package files that ``sources`` (scripts) and ``modules`` (dotted names, e.g. a plot
    function's module named in a registry) import, transitively; paths relative to ``root``,
    sorted. ``root`` is the directory that holds the package."""
    root = Path(root).resolve()
    files: set[Path] = set()
    for source in sources:
        files |= _closure(str(root), str(Path(source).resolve()))
    for module in modules:
        for parent in _with_parents(module):
            target = _module_file(root, parent)
            if target is None:
                raise ValueError(f"{module!r} is not a module of the package {PACKAGE}")
            files.add(target)
            files |= _closure(str(root), str(target))
    return sorted(str(p.relative_to(root)) for p in files)
