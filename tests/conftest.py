"""Session fixtures: the real Stanza pipeline (loaded once), the real rules, a real database."""

from pathlib import Path

import pytest

from quotetrack.pipeline import BuildReport, Pipeline

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "rules"
EXAMPLES_DIR = ROOT / "examples" / "articles"
SHARED = ROOT.parent / "shared"
SEEDS_GOLD = SHARED / "seeds" / "gold.yml"


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    """The project's pipeline over the real rules/ and the embedded Stanza models."""
    return Pipeline(RULES_DIR)


@pytest.fixture(scope="session")
def seed_articles(pipeline):
    return pipeline.read(EXAMPLES_DIR, BuildReport())


@pytest.fixture(scope="session")
def built_db(tmp_path_factory, pipeline, seed_articles) -> Path:
    """db/quotes.db as the README builds it, from the example articles (never modify it)."""
    path = tmp_path_factory.mktemp("built") / "quotes.db"
    pipeline.build(path, seed_articles)
    return path
