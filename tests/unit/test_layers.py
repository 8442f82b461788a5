"""The layer rules are import-linter contracts (pyproject.toml, ARCHITECTURE.md).

`make test` runs `lint-imports` over them; this checks that the checker really reads our
code: a contract the code breaks on purpose (listeners call use cases, so "bot.slack must not
import bot.app" is false) is reported broken.
"""

from __future__ import annotations

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]


def test_a_rule_the_code_breaks_is_reported(tmp_path, monkeypatch):
    config = tmp_path / "broken.ini"
    config.write_text(
        "[importlinter]\n"
        "root_packages =\n    bot\n\n"
        "[importlinter:contract:broken]\n"
        "name = Listeners call no use case (false on purpose)\n"
        "type = forbidden\n"
        "source_modules =\n    bot.slack.listeners\n"
        "forbidden_modules =\n    bot.app\n"
    )
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(config), no_cache=True, no_logo=True) == 1


def test_the_layer_contracts_hold(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename="pyproject.toml", no_cache=True, no_logo=True) == 0
