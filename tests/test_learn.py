"""`quotetrack rules learn` end to end on a small gold set (the seeds' gold.yml), with the real parser and rules."""

import hashlib

import pytest
import yaml
from click.testing import CliRunner
from conftest import RULES_DIR, SEEDS_GOLD

from quotetrack.cli import cli
from quotetrack.evaluation.evaluate import Attribution
from quotetrack.evaluation.diagnose import ParsedText
from quotetrack.evaluation.learn import compile_patterns, configuration, locate
from quotetrack.records import Article, ParsedArticle, Sentence, Word
from quotetrack.stages.steps import QuotationMarks


def digest(folder):
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def learned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("learn")
    before = digest(RULES_DIR)
    out = folder / "learned.yml"
    result = CliRunner().invoke(cli, ["rules", "learn", str(SEEDS_GOLD), "--out", str(out), "--cache",
                                      str(folder / "cache.db"), "--min-support", "2", "--min-articles", "2",
                                      "--min-cue-count", "1", "--extend", "subject-verb-clause"])
    assert result.exit_code == 0, result.output
    assert digest(RULES_DIR) == before  # nothing in rules/ is written
    return result.output, yaml.safe_load(out.read_text(encoding="utf-8"))


def test_candidates_are_patterns_of_the_rule_language_with_figures_and_real_examples(learned):
    output, document = learned
    assert f"{len(document['candidates'])} candidate patterns" in output
    assert document["learned_from"]["articles"] == 5
    assert document["candidates"]
    for candidate in document["candidates"]:
        figures = candidate["figures"]
        assert figures["precision"] >= 0.7 and figures["gold_found"] >= 2 and figures["articles"] >= 2
        assert figures["precision"] == round(figures["right"] / figures["fires"], 3)
        assert figures["held_out_precision"] is None or 0 <= figures["held_out_precision"] <= 1
        assert candidate["pattern"]["examples"], candidate
    rules = compile_patterns(RULES_DIR, [c["pattern"] for c in document["candidates"]])
    assert [p.id for p in rules.patterns] == [c["pattern"]["id"] for c in document["candidates"]]


def test_every_candidate_finds_its_positive_examples_alone_and_fires_on_its_negatives(learned, pipeline):
    """The examples are sentences that, parsed on their own, behave as in their article: ready to run as rule tests."""
    from quotetrack.records import Article
    from quotetrack.stages.match import Matcher
    from quotetrack.stages.view import SentenceView

    candidates = learned[1]["candidates"]
    matcher = Matcher(compile_patterns(RULES_DIR, [c["pattern"] for c in candidates]))
    for candidate in candidates:
        pattern = candidate["pattern"]
        for example, wanted in [*((e, True) for e in pattern["examples"]), *((t, False) for t in pattern["not"])]:
            text = example["text"] if wanted else example
            [(parsed, _)] = pipeline.run([Article("x", "x", text, hashlib.sha256(text.encode()).hexdigest())])
            marks = matcher.marks.find(text)
            mine = [q for sentence in parsed.sentences for q in matcher.sentence_quotes(
                "x", SentenceView(sentence, marks), marks, text, claim=False) if q.rule_id == pattern["id"]]
            if wanted:
                assert any(q.cue.text == example["cue"] and q.content.text == example["content"] for q in mine)
            else:  # a wrong firing in the data: the pattern must be refined before it is merged
                assert mine


def test_a_rule_is_extended_with_lemmas_it_lacks_or_left_out(learned):
    extended = [c for c in learned[1]["candidates"] if c["pattern"]["id"] == "subject-verb-clause-extended"]
    for candidate in extended:
        assert candidate["figures"]["right"] >= 2


def test_cue_words_proposed_are_absent_from_cues_yml(learned):
    cues = yaml.safe_load((RULES_DIR / "cues.yml").read_text(encoding="utf-8"))
    known = {entry if isinstance(entry, str) else entry["lemma"] for words in cues["lexicons"].values()
             for entry in words}
    for row in learned[1]["cue_words"]:
        assert row["lemma"] not in known and row["annotated"] >= 1


def test_a_gold_yml_entry_is_located_by_its_content_cue_and_speaker():
    text = "Intro.\nThe mayor said the bridge would reopen in May, officials added.\n"
    found = locate(text, "said", "mayor", "the bridge would reopen", 0)
    assert found == Attribution("entry0", ((17, 21),), ((11, 16),), ((22, 45),))
    assert locate(text, "said", "governor", "the bridge would reopen", 0) is None  # the speaker is not written


@pytest.mark.parametrize("make,message", [
    (lambda tmp: tmp.mkdir() or tmp, "not a PolNeAR split folder"),
    (lambda tmp: (tmp.parent / "x.txt").write_text("x") and tmp.parent / "x.txt", "neither a PolNeAR split folder"),
    (lambda tmp: (tmp.parent / "g.yml").write_text("quotes: [{article: a.txt}]") and tmp.parent / "g.yml",
     "not a gold.yml of quotes"),
])
def test_bad_gold_gets_one_line(tmp_path, make, message):
    gold = make(tmp_path / "gold")
    result = CliRunner().invoke(cli, ["rules", "learn", str(gold), "--out", str(tmp_path / "out.yml"),
                                      "--cache", str(tmp_path / "c.db")])
    assert result.exit_code == 1 and message in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "out.yml").exists()


def test_a_candidate_the_held_out_half_refutes_is_left_out():
    from quotetrack.evaluation.learn import Candidate, Firing, Settings

    def firings(right, wrong):
        return [Firing("say", "a", 0, None, "") for _ in range(right)] + \
            [Firing("say", "a", None, None, "") for _ in range(wrong)]

    candidate = Candidate({"id": "x"}, firings(10, 0), None, "lemmas")
    candidate.held_out = firings(2, 4)
    assert not candidate.generalises(Settings())  # 6 quotes there, 1 in 3 right
    candidate.held_out = firings(1, 3)
    assert candidate.generalises(Settings())  # too few quotes to refute it
    candidate.held_out = firings(5, 1)
    assert candidate.generalises(Settings())


def test_a_source_the_parse_hangs_under_the_content_is_no_shape():
    """The content's head on the path from the cue to the source would name a node the shape never makes."""
    text = "Officials said Smith won."
    rows = [("Officials", "NOUN", 1, "nsubj"), ("said", "VERB", -1, "root"), ("Smith", "PROPN", 3, "nsubj"),
            ("won", "VERB", 1, "ccomp"), (".", "PUNCT", 1, "punct")]
    words, start = [], 0
    for index, (word, upos, head, deprel) in enumerate(rows):
        start = text.index(word, start)
        words.append(Word(index, word, word.lower(), upos, upos, "", head, deprel, start, start + len(word)))
    parsed = ParsedArticle(Article("a", "a.txt", text, ""), "m", [Sentence(0, 0, len(text), 0, words)])
    gold = Attribution("E1", ((10, 14),), ((15, 20),), ((15, 24),))  # cue said, source Smith, content Smith won
    marks = QuotationMarks({"marks": {'"': ['"']}})
    assert configuration(ParsedText(parsed, text), text, gold, "a", 0, marks) == \
        "content's head on the path from the cue to the source"
