"""Builds in local worker processes (pool.ProcessRunner) give the database an in-process build gives."""

import os
import signal

import pytest
from click.testing import CliRunner
from conftest import SEEDS_ARTICLES, copy_db
from test_build import dump

from quotetrack.cli import cli
from quotetrack.run.pool import PoolError, ProcessRunner


def test_a_build_in_two_worker_processes_is_the_local_build(pipeline, seed_articles, built_db, tmp_path):
    db_path = tmp_path / "pool.db"
    with ProcessRunner(pipeline, processes=2) as runner:
        # three batches: the workers load Stanza and parse (not the session's shared parses)
        report = pipeline.build(db_path, iter(seed_articles), runner=runner, batch_size=2)
        assert (report.articles, report.parsed) == (5, 5) and runner.pool is not None
        assert dump(db_path) == dump(built_db)
        # re-attribution from the cached parses, one article per batch, on the same workers
        report = pipeline.build(db_path, iter(seed_articles), runner=runner, force=True, batch_size=1)
        assert report.parsed == 0 and report.quotes > 50
    assert dump(db_path) == dump(built_db)


def test_workers_replaced_after_their_batches_give_the_same_database(pipeline, seed_articles, built_db, tmp_path):
    db_path = copy_db(built_db, tmp_path / "quotes.db")
    with ProcessRunner(pipeline, processes=2, batches_per_worker=1) as runner:
        pipeline.build(db_path, iter(seed_articles * 2), runner=runner, force=True, batch_size=1)
        assert len(runner.pool._processes) <= 2
    assert dump(db_path) == dump(built_db)


def test_one_batch_of_work_starts_no_worker(pipeline, seed_articles, built_db, tmp_path):
    db_path = copy_db(built_db, tmp_path / "quotes.db")
    with ProcessRunner(pipeline, processes=2) as runner:
        pipeline.build(db_path, iter(seed_articles), runner=runner, force=True)
        assert runner.pool is None
    assert dump(db_path) == dump(built_db)


def test_a_worker_killed_mid_build_loses_nothing(pipeline, seed_articles, built_db, tmp_path):
    db_path = copy_db(built_db, tmp_path / "quotes.db")

    class KillingRunner(ProcessRunner):
        def result(self, first_id, future):
            done = super().result(first_id, future)
            if first_id == seed_articles[1].id:  # a worker dies abruptly, as in a crash
                os.kill(next(iter(self.pool._processes)), signal.SIGKILL)  # the executor's workers, by pid
            return done

    with KillingRunner(pipeline, processes=2) as runner, \
            pytest.raises(PoolError, match="a worker process died during the build .* run the build again"):
        pipeline.build(db_path, iter(seed_articles * 4), runner=runner, force=True, batch_size=1)
    with ProcessRunner(pipeline, processes=2) as runner:
        pipeline.build(db_path, iter(seed_articles), runner=runner, force=True, batch_size=1)
    assert dump(db_path) == dump(built_db)


def test_build_command_processes(built_db, tmp_path):
    db_path = copy_db(built_db, tmp_path / "quotes.db")
    result = CliRunner().invoke(cli, ["build", str(db_path), str(SEEDS_ARTICLES), "--force", "--processes", "2"])
    assert result.exit_code == 0, result.output
    assert "5 articles (0 parsed" in result.output
    assert dump(db_path) == dump(built_db)
    result = CliRunner().invoke(cli, ["build", str(db_path), str(SEEDS_ARTICLES), "--processes", "2",
                                      "--workers", "2"])
    assert result.exit_code == 2 and "--processes is for a build on this machine alone" in result.output


def test_workers_die_with_a_build_killed_by_sigkill(tmp_path):
    """kill -9 of a real ``quotetrack build --processes 2``: its workers (each holding Stanza) and the resource
    tracker end within seconds instead of running on forever."""
    import subprocess
    import sys
    import time

    import psutil

    source = tmp_path / "in"
    source.mkdir()
    for number in range(80):  # three batches of work: the workers start
        (source / f"a{number:02d}.txt").write_text(f"Officer {number} said the plan number {number} would fail.\n",
                                                   encoding="utf-8")
    children: list[psutil.Process] = []
    build = subprocess.Popen([sys.executable, "-m", "quotetrack", "build", str(tmp_path / "q.db"), str(source),
                              "--processes", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:  # until both workers run their initializer (they have imported quotetrack.run.pool)
            children = psutil.Process(build.pid).children(recursive=True)
            workers = [child for child in children if "resource_tracker" not in " ".join(child.cmdline())]
            if len(workers) >= 2 or time.monotonic() > deadline or build.poll() is not None:
                break
            time.sleep(0.2)
        assert len(workers) >= 2 and build.poll() is None, "the build started no worker processes"
        time.sleep(3)  # well inside loading Stanza
        build.kill()
        build.wait()
        gone, alive = psutil.wait_procs(children, timeout=10)
        alive = [process for process in alive if process.status() != psutil.STATUS_ZOMBIE]
        assert not alive, f"still running after the build was killed: {[p.cmdline()[:4] for p in alive]}"
    finally:
        for process in [build, *children]:  # what this test started, if a failure left it running
            try:
                process.kill()
            except (psutil.NoSuchProcess, ProcessLookupError):
                pass
