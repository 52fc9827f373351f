"""Builds through Dask: a LocalCluster of 2 worker processes gives the database a local build gives."""

import os
import threading

import pytest
from conftest import SEEDS_ARTICLES, copy_db
from test_build import dump

distributed = pytest.importorskip("distributed")

from quotetrack.cli import cli  # noqa: E402
from quotetrack.run.cluster import ClusterError, DaskRunner  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") \
            as cluster, distributed.Client(cluster) as client:
        yield client


def test_a_dask_build_is_the_local_build(pipeline, seed_articles, built_db, client, tmp_path):
    runner = DaskRunner(client, pipeline)
    db_path = tmp_path / "dask.db"
    report = pipeline.build(db_path, iter(seed_articles), runner=runner)  # a worker parses them all, in one call
    assert (report.articles, report.parsed) == (5, 5)
    assert dump(db_path) == dump(built_db)
    # re-attribution one article per batch: both workers match, the database stays the same
    report = pipeline.build(db_path, iter(seed_articles), runner=runner, force=True, batch_size=1)
    assert report.parsed == 0 and report.quotes > 50
    assert dump(db_path) == dump(built_db)
    assert all(runner.batches_per_worker().values())


def test_a_worker_killed_mid_build_loses_nothing(pipeline, seed_articles, built_db, client, tmp_path):
    db_path = copy_db(built_db, tmp_path / "quotes.db")
    runner = DaskRunner(client, pipeline, in_flight=4)
    victim = sorted(client.nthreads())[0]
    killed = []

    def kill_once(count):
        if not killed:
            killed.append(victim)
            # the worker process dies abruptly right after answering, as in a crash
            client.run(lambda: threading.Timer(0.1, os._exit, [1]).start(), workers=[victim])

    report = pipeline.build(db_path, iter(seed_articles * 3), runner=runner, force=True, batch_size=1,
                            progress=kill_once)
    assert killed and report.articles == 15 and report.parsed == 0
    assert dump(db_path) == dump(built_db)
    client.wait_for_workers(2, timeout=120)  # the nanny restarts the worker for the next test


def test_build_command_with_dask(built_db, client, tmp_path):
    from click.testing import CliRunner

    db_path = copy_db(built_db, tmp_path / "quotes.db")
    address = client.scheduler.address
    result = CliRunner().invoke(cli, ["build", str(db_path), str(SEEDS_ARTICLES), "--force", "--dask", address])
    assert result.exit_code == 0, result.output
    assert "5 articles (0 parsed" in result.output
    assert dump(db_path) == dump(built_db)
    result = CliRunner().invoke(cli, ["build", str(db_path), str(SEEDS_ARTICLES), "--dask", address, "--workers", "2"])
    assert result.exit_code == 2 and "exclude each other" in result.output


def test_a_worker_with_other_rules_refuses_the_batch(pipeline, seed_articles, built_db, client, tmp_path):
    db_path = copy_db(built_db, tmp_path / "quotes.db")
    runner = DaskRunner(client, pipeline, retries=0)
    runner.fingerprint = "not-the-workers"  # as if the writer ran other rules or models
    with pytest.raises(ClusterError, match="failed on the cluster: RuntimeError: worker pipeline .* is not the writer's"):
        pipeline.build(db_path, iter(seed_articles), force=True, runner=runner)
    assert dump(db_path) == dump(built_db)  # nothing written
