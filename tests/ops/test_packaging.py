"""What `pip install .` ships: the bot with its stand-ins, never the tests or the bench.

The demo runs from an installed wheel, so nothing the bot imports may live in tests/ or
bench/; and the stand-ins, shipped for the demo, stay out of what production serving loads.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("bot", "db", "messages", "migrations")
NOT_SHIPPED = ("tests", "bench")


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_product_module_imports_the_tests_or_the_bench():
    modules = [path for package in PRODUCT for path in sorted((ROOT / package).rglob("*.py"))]
    assert len(modules) > 50, "the packages moved; update this test"
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_roots(path) & set(NOT_SHIPPED))
        for path in modules
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_check_itself_catches_an_import_of_the_tests(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from tests.e2e import harness\nimport bench.seed\n")
    assert {"tests", "bench"} <= _imported_roots(bad)


def test_loading_every_module_but_the_demo_loads_no_stand_in():
    """Serving, the worker, doctor and migrations never import bot.standins (nor tests)."""
    modules = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for package in ("bot", "db", "messages")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path.parent.name != "standins" and path.name != "demo.py"
    ]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('bot.standins', 'tests', 'bench'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_wheel_ships_the_stand_ins_and_the_data_and_not_the_tests(tmp_path):
    """Builds from a copy, so no build/ or egg-info lands in the checkout."""
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
        ),
    )
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {name.split("/")[0] for name in names if not name.startswith("info_request_bot")} == {
        "bot",
        "db",
        "messages",
        "migrations",
    }
    standins = {f"bot/standins/{path.name}" for path in (ROOT / "bot" / "standins").glob("*.py")}
    assert {"bot/standins/__init__.py", "bot/standins/desk.py"} <= standins <= names
    assert {"bot/demo.py", "messages/event_catalogue.toml", "migrations/script.py.mako"} <= names
    metadata = zipfile.ZipFile(wheel).read(
        next(name for name in names if name.endswith(".dist-info/METADATA"))
    )
    assert b"Requires-Dist: requests" in metadata  # the stand-ins import it directly
