"""Session fixtures: the real Stanza pipeline (loaded once), the real rules, a real database, one parse cache.

The seeds (five articles and their gold.yml) are copied into tests/data/seeds, so the
suite runs on a clone alone; tests that need PolNeAR from ../shared skip without it.
"""

import shutil
from pathlib import Path

import pytest

from quotetrack.rulelang.loader import load, load_file
from quotetrack.rulelang.rules import Boilerplate, boilerplate_rules
from quotetrack.run.pipeline import BuildReport, Pipeline, statement_grouping
from quotetrack.stages.parse import Parser, decode, encode
from quotetrack.store import parses_path

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "rules"
EXAMPLES_DIR = ROOT / "examples" / "articles"
DATA_DIR = ROOT / "tests" / "data"
SEEDS_GOLD = DATA_DIR / "seeds" / "gold.yml"
SEEDS_ARTICLES = DATA_DIR / "seeds" / "articles"
POLNEAR = ROOT.parent / "shared" / "eval" / "polnear"
POLNEAR_MISSING = (f"needs PolNeAR train+dev (brat) at {POLNEAR}: the project's ../shared/eval/polnear, or "
           "github.com/networkdynamics/polnear (Newell et al., LREC 2018) laid out as data/{train,dev}/{text,attributions}")
needs_polnear = pytest.mark.skipif(not POLNEAR.is_dir(), reason=POLNEAR_MISSING)
GROUPING = statement_grouping(load(RULES_DIR))  # when quotes of one speaker are one statement (defaults.yml)


def load_boilerplate(folder: Path) -> Boilerplate:
    """The boilerplate rules of ``folder``/boilerplate.yml alone, as the loader checks and compiles them (tests of
    ingest write no other rule file)."""
    path = folder / "boilerplate.yml"
    return boilerplate_rules(path, load_file(path))


def copy_db(source: Path, target: Path) -> Path:
    """Copy a database with its parse cache file (``store.parses_path``), as a user copies a build; ``target``."""
    shutil.copy(source, target)
    if parses_path(source).is_file():
        shutil.copy(parses_path(source), parses_path(target))
    return Path(target)


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    """The project's pipeline over the real rules/ and the embedded Stanza models."""
    return Pipeline(RULES_DIR)


@pytest.fixture(scope="session")
def seed_articles(pipeline):
    return pipeline.read(SEEDS_ARTICLES, BuildReport())


@pytest.fixture(scope="session")
def built_db(tmp_path_factory, pipeline, seed_articles) -> Path:
    """A database built from the seed articles, as the README builds db/quotes.db from their copy in
    examples/ (never modify it)."""
    path = tmp_path_factory.mktemp("built") / "quotes.db"
    pipeline.build(path, seed_articles)
    return path


@pytest.fixture(scope="session", autouse=True)
def shared_parses():
    """One parse cache for the whole session: each text is parsed by Stanza once, whichever test,
    build or CLI run asks first (the seed articles used to be parsed about six times)."""
    parses: dict[tuple[str, str], bytes] = {}
    parse_uncached = Parser.parse

    def parse(self, articles):
        missing = [article for article in articles if (self.model_id, article.content_hash) not in parses]
        for article, sentences in zip(missing, parse_uncached(self, missing) if missing else []):
            parses[self.model_id, article.content_hash] = encode(sentences)
        return [decode(parses[self.model_id, article.content_hash]) for article in articles]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Parser, "parse", parse)
        yield parses
