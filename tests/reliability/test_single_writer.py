"""SQLite has one writer: a second `serve`, or a second process running the jobs, on the same
file is refused at start, saying what holds it and to use Postgres to scale out."""

from __future__ import annotations

from bot.standins.slack_api import FakeSlack
from bot.standins.workspace import settings_env
from tests.reliability.conftest import migrated_url
from tests.reliability.processes import Bot, bot_env, free_port


def _refused(bot: Bot, doing: str) -> None:
    assert bot.finish(timeout=30) == 3, bot.output()
    out = bot.output()
    assert f"is already {doing} on the SQLite database" in out, out
    assert "use Postgres" in out and "Traceback" not in out, out


def test_a_second_writer_on_one_sqlite_file_is_refused_with_what_to_do(tmp_path):
    url = migrated_url("sqlite", tmp_path)
    running: list[Bot] = []
    with FakeSlack() as slack:
        env = bot_env(settings_env(slack, url))
        try:
            serve = Bot(env, tmp_path, "serve", port=free_port())
            running.append(serve)
            serve.wait_healthy()
            _refused(Bot(env, tmp_path, "serve", port=free_port()), "serving Slack")
            # One process serving and one running the jobs is the documented SQLite setup.
            worker = Bot(env, tmp_path, "worker")
            running.append(worker)
            worker.wait_for("worker started")
            _refused(Bot(env, tmp_path, "worker"), "running the scheduled jobs")
            _refused(Bot(env, tmp_path, "tick"), "running the scheduled jobs")
            jobs_too = {**env, "SERVE_RUNS_WORKER": "true"}
            _refused(Bot(jobs_too, tmp_path, "serve", port=free_port()), "serving Slack")
            worker.stop()
            assert worker.process.returncode == 0, worker.output()
            # The jobs' lock went with the worker; the short commands never take one.
            assert Bot(env, tmp_path, "tick").finish() == 0
            assert Bot(env, tmp_path, "unpark").finish() == 0
        finally:
            for bot in running:
                bot.stop()
