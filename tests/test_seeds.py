"""The mission's acceptance test: who said what in the five seed articles (tests/data/seeds/gold.yml, a copy of ../shared/seeds/)."""

import sqlite3
from contextlib import closing

import pytest
import yaml
from conftest import SEEDS_GOLD

from quotetrack.evaluation.evaluate import read_gold_yaml, score_seeds


@pytest.fixture(scope="session")
def seeds_report(pipeline, seed_articles):
    return score_seeds(read_gold_yaml(SEEDS_GOLD), pipeline.predict(seed_articles))


def test_every_required_attribution_is_found(seeds_report):
    missed = [m for m in seeds_report.misses if m.required]
    assert not missed, "\n".join(f"{m.article} {m.speaker} {m.cue}: {m.content}" for m in missed)
    assert seeds_report.required.correct == seeds_report.required.total == 60
    assert not seeds_report.unlocated


def test_no_boilerplate_reaches_the_database(built_db):
    lines = [entry["text"] for entry in yaml.safe_load(SEEDS_GOLD.read_text())["boilerplate"]]
    with closing(sqlite3.connect(built_db)) as db:
        stored = [row[0] for row in db.execute(
            "select text from sentences union all select content from quotes union all select text from articles")]
    for line in lines:
        assert not any(line in text for text in stored), line


def test_one_speaker_whatever_the_spelling(built_db):
    with closing(sqlite3.connect(built_db)) as db:
        names = {row[0] for row in db.execute("select speaker from quotes where speaker like '%podol%'")}
        articles = db.execute(
            "select count(distinct article_id) from quotes where speaker = 'Mykhailo Podolyak'").fetchone()[0]
    assert names == {"Mykhailo Podolyak"}
    assert articles == 5


def test_roles_are_kept_apart_from_names(built_db):
    with closing(sqlite3.connect(built_db)) as db:
        rows = db.execute("select speaker, role from quotes where speaker_mention = 'Kremlin spokesman Dmitry Peskov'")
        assert ("Dmitry Peskov", "Kremlin spokesman") in set(rows)


def test_channels_are_recorded_where_the_text_states_them(built_db):
    with closing(sqlite3.connect(built_db)) as db:
        channels = list(db.execute("select content, channel from quotes where channel is not null"))

    def channel(start: str) -> set[str]:
        return {found for content, found in channels if content.startswith(start)}

    assert channel("Over the course of the last day") == {"Telegram"}
    assert channel("Kyiv \"has nothing to do with it") == {"Twitter"}
    assert channel("Russian President Vladimir Putin has pledged") == {"video message"}


def test_syndicated_copies_are_one_statement(built_db):
    with closing(sqlite3.connect(built_db)) as db:
        sources = db.execute(
            "select count(distinct q.article_id) from quotes q join statements s on s.id = q.statement_id "
            "where q.content = 'Russia will be free'").fetchone()[0]
    assert sources == 2
