"""The domain core imports nothing but the standard library and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "bot" / "cases"


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0] if node.module != "bot.cases" else "bot.cases")
            if node.module.startswith("bot.") and not node.module.startswith("bot.cases"):
                names.add(node.module)
    return names


def test_the_core_imports_only_the_standard_library():
    modules = sorted(CORE.glob("*.py"))
    assert modules, "the core moved; update this test"
    allowed = set(sys.stdlib_module_names) | {"bot", "bot.cases", "__future__"}
    for module in modules:
        foreign = {name for name in _imports(module) if name not in allowed}
        assert not foreign, f"{module.name} imports {sorted(foreign)}"


def test_the_check_itself_catches_a_foreign_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import sqlalchemy\nfrom slack_sdk import WebClient\nfrom bot.slack import x\n")
    assert {"sqlalchemy", "slack_sdk", "bot.slack"} <= _imports(bad)
