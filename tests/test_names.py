"""One name folding (names.fold), spelling keys across articles, and the dateline ingest reads once."""

import pytest
from conftest import RULES_DIR

from quotetrack import rulelang
from quotetrack.names import fold, fold_name
from quotetrack.records import Article
from quotetrack.stages.ingest import _dateline, dateline_span
from quotetrack.stages.resolve import Resolver
from quotetrack.store.rows import speaker_id


@pytest.mark.parametrize("written,folded", [("Straße", "strasse"), ("Yıldırım", "yildirim"), ("Dvořák", "dvorak"),
                                            ("Ødegaard", "odegaard"), ("Mr.", "mr"), ("Thériault", "theriault")])
def test_one_folding_for_every_comparison(written, folded):
    assert fold(written) == folded


def test_the_store_and_the_sieve_fold_alike():
    assert speaker_id("Ali Yıldırım") == speaker_id("Ali Yildirim") == "ali-yildirim"
    assert speaker_id("Jürgen Straße") == "jurgen-strasse"
    assert fold_name("the Kremlin’s") == "kremlin's"


@pytest.fixture(scope="module")
def resolver():
    rules = rulelang.load(RULES_DIR)
    return Resolver(rules.attribution, rules.lexicon)


@pytest.mark.parametrize("one,other,same", [
    ("Ravi Choudhary", "Ravi Chaudhary", True),
    ("Khalid al-Rashidi", "Khalid Al Rashidi", True),
    ("Ali Yıldırım", "Ali Yildirim", True),
    ("Volodymyr Zelensky", "Volodymyr Zelenskiy", True),
    ("Ravi Choudhary", "Sunita Choudhary", False),
    ("Khalid Al Rashidi", "Fahad Al Rashidi", False),
    ("Anna Kovacs", "Peter Kovacs", False),
])
def test_spellings_of_one_person_share_a_key_and_namesakes_do_not(resolver, one, other, same):
    assert (resolver.spelling_key(one, "person") == resolver.spelling_key(other, "person")) is same


@pytest.mark.parametrize("paragraph,place,written", [
    ("LONDON, June 2, 2024 - Mayor Jane Holloway grumbled about the buses all week long as the drivers struck.",
     "London", "LONDON, June 2, 2024 - "),
    ("ROTTERDAM (Reuters) - Dock workers said on Monday they would continue their strike for another week.",
     "Rotterdam", "ROTTERDAM (Reuters) - "),
    ("JOHANNESBURG, Sept 3 (Reuters) - Sibanye Platinum said on Tuesday it would cut about 4,000 jobs.",
     "Johannesburg", "JOHANNESBURG, Sept 3 (Reuters) - "),
    ("MONCTON, N.B. - Residents of Moncton can drink tap water again after a four-day advisory was lifted.",
     "Moncton, N.B.", "MONCTON, N.B. - "),
])
def test_the_dateline_is_read_once_with_its_date(paragraph, place, written):
    text = "A headline\n\n" + paragraph + "\n"
    found_place, _ = _dateline(text.splitlines()[1:])
    assert found_place == place
    span = dateline_span(Article("a", "a", text, "", dateline_place=found_place))
    assert span.text == written and text[span.start:span.end] == written


def test_no_dateline_no_span():
    text = "A headline\n\nGladkov - the governor - said the town was calm on Monday and the roads were open.\n"
    assert dateline_span(Article("a", "a", text, "", dateline_place=None)) is None

