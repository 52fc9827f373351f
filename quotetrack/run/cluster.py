"""Scale-out: a build's parsing and matching on Dask workers; the database is written here, by one writer.

Each worker loads the pipeline once (``PipelinePlugin``: the rules travel with it, so
workers need no copy of them; Stanza loads on the first batch to parse). Batches go
out a few per worker at a time and come back in input order to ``Pipeline.build``,
which writes them, so the database is the one a local build makes, memory stays flat,
and a batch whose worker dies is computed again elsewhere (Dask reschedules it).

    from distributed import Client
    runner = DaskRunner(Client("tcp://scheduler:8786"), pipeline)
    pipeline.build("db/quotes.db", articles, runner=runner)
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from distributed import Client, WorkerPlugin, get_worker

from ..records import Article
from ..stages.parse import DEFAULT_MODEL_DIR
from .pipeline import Done, Pipeline
from .pool import IN_FLIGHT_PER_WORKER, in_order, settle_worker

PLUGIN = "quotetrack-pipeline"
RETRIES = 2  # a batch that raises is tried again this many times (a dead worker's batches are always rerun)


class ClusterError(Exception):
    """A batch failed on the cluster, after its retries."""


class PipelinePlugin(WorkerPlugin):
    """Loads the pipeline once in each worker, from rule files sent along (name → bytes)."""

    def __init__(self, rule_files: dict[str, bytes], model_dir: str | None, device: str | None = None):
        self.rule_files, self.model_dir, self.device = rule_files, model_dir, device
        self.pipeline: Pipeline | None = None
        self.batches = 0

    def setup(self, worker) -> None:
        digest = hashlib.sha256(repr(sorted(self.rule_files.items())).encode()).hexdigest()[:16]
        base = Path(getattr(worker, "local_directory", None) or tempfile.gettempdir())
        folder = base / "quotetrack-rules" / digest
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.rule_files.items():
            (folder / name).write_bytes(data)
        self.pipeline = Pipeline(folder, self.model_dir, self.device)
        self.fingerprint = self.pipeline.fingerprint()  # of what it loaded: not read again per batch
        settle_worker()
        self.lock = threading.Lock()  # one batch at a time per process, whatever --nthreads says


def rule_files(rules_dir: Path) -> dict[str, bytes]:
    """The rule files a pipeline reads, by name."""
    return {path.name: path.read_bytes() for path in sorted(Path(rules_dir).iterdir()) if path.is_file()}


def work(batch: list[tuple[Article, bytes | None]], fingerprint: str) -> Done:
    """``Pipeline.work`` on this worker's pipeline, which must be the writer's (same rules and models)."""
    plugin = get_worker().plugins[PLUGIN]
    if plugin.fingerprint != fingerprint:
        raise RuntimeError(f"worker pipeline {plugin.fingerprint} is not the writer's {fingerprint}: "
                           "other quotetrack code or Stanza models on this worker")
    with plugin.lock:
        plugin.batches += 1
        return plugin.pipeline.work(batch)


class DaskRunner:
    """Runs ``Pipeline.work`` on the workers of a Dask ``client``; a ``runner`` for ``Pipeline.build``."""

    def __init__(self, client: Client, pipeline: Pipeline, in_flight: int | None = None, retries: int = RETRIES):
        self.client, self.retries = client, retries
        self.fingerprint = pipeline.fingerprint()
        model_dir = None if pipeline.parser.model_dir == DEFAULT_MODEL_DIR else str(pipeline.parser.model_dir)
        plugin = PipelinePlugin(rule_files(pipeline.rules_dir), model_dir, pipeline.parser.device)
        client.register_plugin(plugin, name=PLUGIN)
        # a Dask worker thread runs a batch at a time, as a worker process does
        self.in_flight = in_flight or max(2, IN_FLIGHT_PER_WORKER * sum(client.nthreads().values()))

    def __call__(self, batches: Iterable[list[tuple[Article, bytes | None]]]) -> Iterator[Done]:
        def submit(batch):
            return self.client.submit(work, batch, self.fingerprint, retries=self.retries, pure=False)

        return in_order(submit, self.result, batches, self.in_flight)

    @staticmethod
    def result(first_id: str, future) -> Done:
        try:
            return future.result()
        except Exception as error:  # the worker's exception, or Dask's KilledWorker
            raise ClusterError(f"the batch starting with article {first_id} failed on the cluster: "
                               f"{type(error).__name__}: {error}") from None

    def batches_per_worker(self) -> dict[str, int]:
        """How many batches each worker has run since its plugin was set up."""
        return self.client.run(lambda dask_worker: dask_worker.plugins[PLUGIN].batches)

