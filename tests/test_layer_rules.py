"""Layer rules, read from the source: what each layer imports (directly or through the hicsim
modules it imports) and that the library never words a command-line flag in its errors."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "hicsim"


def _file(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _imports(path: Path, module: str) -> set[str]:
    """Every module ``path`` names in an import, at any depth of its code (lazy imports too);
    ``from x import y`` names x and x.y (y may be a module)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)
    return out


def reached(start: str) -> set[str]:
    """Modules reachable from every module of package ``start`` through imports, following
    hicsim's own modules (and their packages' ``__init__``, the top-level one excepted: it is
    the public API, importing everything)."""
    todo = [".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            for p in (ROOT.joinpath(*start.split("."))).rglob("*.py")]
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        path = _file(module)
        if path is None or not module.startswith("hicsim"):
            continue
        for name in _imports(path, module):
            parts = name.split(".")
            for i in range(2, len(parts) + 1):  # a module's packages run their __init__ first
                todo.append(".".join(parts[:i]))
            if not name.startswith("hicsim"):
                seen.add(name.split(".")[0])
    return seen


def _under(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes))


@pytest.mark.parametrize("layer, forbidden", [
    ("hicsim.engine", ("hicsim.costs", "hicsim.kernels", "hicsim.train", "hicsim.report",
                       "hicsim.cli", "numba", "hicsim.generation.kernel")),
    ("hicsim.mapping", ("hicsim.kernels", "hicsim.generation.kernel", "numba", "hicsim.engine",
                        "hicsim.costs")),
    ("hicsim.hardware", ("hicsim.engine", "hicsim.mapping", "hicsim.costs", "hicsim.kernels",
                         "hicsim.train", "hicsim.report", "hicsim.cli")),
    ("hicsim.costs", ("hicsim.engine", "hicsim.report", "hicsim.cli", "hicsim.kernels")),
])
def test_layer_imports(layer, forbidden):
    assert _under(reached(layer), forbidden) == []


def test_the_checker_sees_an_import():
    """The rule can fail: the report layer does reach the costs and the engine."""
    report = reached("hicsim.report")
    assert _under(report, ("hicsim.costs",)) and _under(report, ("hicsim.engine",))


FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def _raised_texts(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Raise) and node.exc is not None:
            for sub in ast.walk(node.exc):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    yield node.lineno, sub.value


def test_the_library_words_no_command_line_flag_in_its_errors():
    """Library errors name options as the API does (``OptionError``); hicsim.cli words flags."""
    found = [f"{path.relative_to(ROOT)}:{line}: {text!r}"
             for path in sorted(PACKAGE.rglob("*.py")) if "cli" not in path.relative_to(PACKAGE).parts
             for line, text in _raised_texts(path) if FLAG.search(text)]
    assert found == []
