"""The pattern engine on hand-built parses: every relation, absent nodes, content spans. No model needed."""

from dataclasses import replace

import pytest
from conftest import RULES_DIR

from quotetrack.records import Article, ParsedArticle, Quote, Sentence, Span, Word
from quotetrack.rulelang import load
from quotetrack.rulelang.rules import Node
from quotetrack.rulelang.steptable import STEPS
from quotetrack.stages.match import (
    Matcher,
    Plan,
    SentenceView,
    match_pattern,
    word_tests,
)
from quotetrack.stages.steps import (
    ARTICLE_STEPS,
    CONTENT_STEPS,
    QuotationMarks,
    Scene,
    complete_quotes,
    hands_over,
)

MARKS = QuotationMarks(load(RULES_DIR).attribution.settings["quotations"])


def sentence(text: str, lemmas: list[str], heads: list[int], deprels: list[str], upos: list[str]) -> Sentence:
    words, offset = [], 0
    for index, token in enumerate(text.split()):
        start = text.index(token, offset)
        offset = start + len(token)
        words.append(Word(index, token, lemmas[index], upos[index], "", "", heads[index], deprels[index], start, offset))
    return Sentence(0, 0, len(text), 0, words)


# "Gladkov said one woman died ."
SAID_TEXT = "Gladkov said one woman died ."
SAID = sentence(SAID_TEXT, ["Gladkov", "say", "one", "woman", "die", "."], [1, -1, 3, 4, 1, 1],
                ["nsubj", "root", "nummod", "nsubj", "ccomp", "punct"],
                ["PROPN", "VERB", "NUM", "NOUN", "VERB", "PUNCT"])


def related(rel: str, index: int) -> list[int]:
    return list(SentenceView(SAID, []).related(index, rel))


@pytest.mark.parametrize("rel,index,expected", [
    (">", 1, [0, 4, 5]), ("<", 0, [1]), (">>", 4, [2, 3]), ("<<", 2, [3, 4, 1]),
    (".", 1, [2]), (".*", 3, [4, 5]), (";", 1, [0]), (";*", 2, [1, 0]),
    ("$+", 0, [4]), ("$-", 4, [0]), ("$++", 0, [4, 5]), ("$--", 5, [4, 0]),
])
def test_relations(rel, index, expected):
    assert sorted(related(rel, index)) == sorted(expected)


def subtree_edges(heads: list[int]) -> tuple[list[int], list[int]]:
    """Each word's first and last descendant (or itself), from each word's chain of heads, cut where it loops."""
    left, right = list(range(len(heads))), list(range(len(heads)))
    for index in range(len(heads)):
        seen, head = {index}, heads[index]
        while head >= 0 and head not in seen:
            seen.add(head)
            left[head], right[head] = min(left[head], index), max(right[head], index)
            head = heads[head]
    return left, right


@pytest.mark.parametrize("heads", [
    [1, -1, 3, 4, 1, 1],  # SAID
    [-1, 0, 1, 2, 3],  # a chain
    [2, 2, -1, 4, 2, 2, 7, 5],  # dependents on both sides, nested
    [1, -1, 3, 2, 1],  # words 2 and 3 head each other: a cycle no word of the tree reaches
    [2, 0, 1, 2, -1],  # a cycle (0, 1, 2) with a dependent, and a root alone
])
def test_subtree_edges_in_trees_and_odd_parses_with_a_cycle(heads):
    words = [Word(i, f"w{i}", "w", "X", "", "", head, "dep", 3 * i, 3 * i + 2) for i, head in enumerate(heads)]
    view = SentenceView(Sentence(0, 0, 3 * len(heads), 0, words), [])
    assert (view.left, view.right) == subtree_edges(heads)


def test_children_and_earlier_words_come_nearest_first():
    assert related(">", 1) == [0, 4, 5]
    assert related(";*", 3) == [2, 1, 0]


def node(id, source=None, rel=None, absent=False, **constraints):
    return Node(id, source, rel, None, {k: frozenset(v) if isinstance(v, list) else v for k, v in constraints.items()},
                {}, absent)


def test_match_and_absent_nodes():
    view = SentenceView(SAID, [])
    base = [node("cue", lemma=["say"]), node("speaker", "cue", ">", deprel=["nsubj"])]
    assert match_pattern(Plan(base, {}), view) == [{"cue": 1, "speaker": 0}]
    blocked = base + [node("clause", "cue", ">", absent=True, deprel=["ccomp"])]
    assert match_pattern(Plan(blocked, {}), view) == []


def test_nodes_with_the_same_constraints_share_a_test():
    shared = {}
    first, second = word_tests([node("a", lemma=["say"]), node("b", lemma=["say"])], shared)
    assert first is second and len(shared) == 1
    view = SentenceView(SAID, [])
    assert first.sieve(view, range(len(SAID.words))) == [1]


def test_real_rules_on_a_hand_built_parse():
    quotes = Matcher(load(RULES_DIR).attribution).sentence_quotes("a", SentenceView(SAID, []), [], SAID_TEXT)
    assert [(q.rule_id, q.speaker_span.text, q.cue.text, q.content.text, q.type) for q in quotes] == [
        ("subject-verb-clause", "Gladkov", "said", "one woman died", "indirect")]


# the parser's two ccomps of "said": "he hoped" and "it would encourage talks", which has a subject of its own
HOPED_TEXT = "He said he hoped it would encourage talks ."
HOPED = sentence(HOPED_TEXT, ["he", "say", "he", "hope", "it", "would", "encourage", "talk", "."],
                 [1, -1, 3, 1, 6, 6, 1, 6, 1], ["nsubj", "root", "nsubj", "ccomp", "nsubj", "aux", "ccomp", "obj", "punct"],
                 ["PRON", "VERB", "PRON", "VERB", "PRON", "AUX", "VERB", "NOUN", "PUNCT"])
# "adding" is the speaker's next act: a cue word with no subject of its own stays out
ADDING_TEXT = "She said talks failed adding nothing ."
ADDING = sentence(ADDING_TEXT, ["she", "say", "talk", "fail", "add", "nothing", "."], [1, -1, 3, 1, 1, 4, 1],
                  ["nsubj", "root", "nsubj", "ccomp", "advcl", "obj", "punct"],
                  ["PRON", "VERB", "NOUN", "VERB", "VERB", "PRON", "PUNCT"])


@pytest.mark.parametrize("parsed,text,content", [
    (HOPED, HOPED_TEXT, "he hoped it would encourage talks"), (ADDING, ADDING_TEXT, "talks failed")])
def test_a_split_clause_joins_the_content_unless_it_is_the_speakers_next_act(parsed, text, content):
    quotes = Matcher(load(RULES_DIR).attribution).sentence_quotes("a", SentenceView(parsed, []), [], text)
    assert [q.content.text for q in quotes if q.rule_id == "subject-verb-clause" and q.cue.text == "said"] == [content]


@pytest.mark.parametrize("text,expected", [
    ("He said: “We will win.”", ["We will win."]),
    ('Kyiv "has nothing to do with it", tweeted X.', ["has nothing to do with it"]),
    ("“First paragraph\n“Second paragraph”", ["First paragraph", "Second paragraph"]),
    ("Russia’s border, not a quote", []),
    ("„Wir schaffen das“, sagte sie. „Ja”, «oui» et ``so'' or ''so''", ["Wir schaffen das", "Ja", "oui", "so", "so"]),
    ("A closing ” mark alone, then “an open one\n“Next.”", ["an open one", "Next."]),
    ("“First paragraph\n\n“Second paragraph\n“Third.”", ["First paragraph", "Second paragraph", "Third."]),
    ("“Smith said no. Jones said yes.", []),  # a stray mark hides nothing
    ("“Smith said no.\nJones said yes.”", []),  # the next paragraph opens with no mark
    ("“A,” he said. “B.\n“C,” she said.", ["A,", "B.", "C,"]),
    ('“Mixed marks," he said. "Both ways.” Done.', ["Mixed marks,", "Both ways."]),
])
def test_quotations_by_the_marks_of_defaults_yml(text, expected):
    assert [q.text for q in MARKS.find(text)] == expected


def test_quotation_marks_are_data():
    marks = QuotationMarks({"marks": {"‘": ["’"]}})
    assert [q.text for q in marks.find("‘Yes,’ she said. “No.”")] == ["Yes,"]


def test_every_content_kind_and_article_step_is_registered():
    assert {f"content.{kind}" for kind in CONTENT_STEPS} == {name for name in STEPS if name.startswith("content.")}
    assert set(ARTICLE_STEPS) == {name for name, step in STEPS.items() if step.stage == "article"}


def test_a_word_can_anchor_a_real_rule_by_its_lemma_tag_or_lowercase_form():
    matcher = Matcher(load(RULES_DIR).attribution)
    said, according = SAID.words[1], Word(0, "According", "accord", "VERB", "", "", 2, "case", 0, 9)
    assert matcher.can_anchor(said) and matcher.can_anchor(according)
    assert not matcher.can_anchor(replace(said, upos="ADJ"))  # no pattern anchors a speech word tagged as an adjective
    assert not matcher.can_anchor(replace(said, lemma="smile"))


# ---------------------------------------------------------------- the handover, on any quotation (issue 22)

DEFAULT_HANDOVER = load(RULES_DIR).attribution.settings["content.quote"]["handover"]


@pytest.mark.parametrize("quotation, handed_over", [
    ("“It is over,", True), ("“It is over", False), ("“It is over —", True), ("“Is it?! ", True),
    ("“" + ", " * 50_000 + "ok,", True),  # 100,000 characters of commas: searched from the start, 9.9 s
    ("“" + ", " * 50_000 + "ok", False),
])
def test_the_default_handover_is_linear_in_the_quotation(quotation, handed_over):
    """Searched from its start, the default handover regex took time quadratic in the quotation (past the regex
    timeout at a few thousand characters); searched from the end it is linear, and never times out."""
    text = f"{quotation}” Smith said."
    assert hands_over(DEFAULT_HANDOVER, text, 0, text.index(" Smith")) is handed_over


def span(text: str, part: str) -> Span:
    start = text.index(part)
    return Span(start, start + len(part), part)


@pytest.mark.parametrize("text,content,other_cue,completed", [
    ('Critics said the budget "is a failure. Nobody will defend it."', "the budget \"is a failure", None,
     'the budget "is a failure. Nobody will defend it'),
    ('"It failed. Ask anyone," he said of the budget.', "Ask anyone", None, "It failed. Ask anyone"),
    # another quote's cue lies in what it would take: left as it is
    ('Critics said the budget "is a failure, the mayor admitted in May."', "the budget \"is a failure", "admitted",
     'the budget "is a failure'),
])
def test_a_content_stopping_inside_a_quotation_takes_it_whole(text, content, other_cue, completed):
    rules = load(RULES_DIR).attribution
    scene = Scene(ParsedArticle(Article("a", "a", text, ""), "m", []), MARKS.find(text), MARKS, rules)
    found = [Quote("a", 0, "rule", "indirect", span(text, "said"), "say", span(text, content), None)]
    if other_cue:
        found.append(Quote("a", 0, "rule", "indirect", span(text, other_cue), "admit", span(text, "in May"), None))
    completed_quote = complete_quotes(scene, found)[0]
    assert completed_quote.content.text == completed
    assert completed_quote.type == ("indirect" if other_cue else "direct" if text.startswith('"') else "mixed")
