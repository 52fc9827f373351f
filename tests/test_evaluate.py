"""Scoring against PolNeAR (brat) and the seeds gold.yml: hand-made pairs with known answers, then the real gold."""

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import POLNEAR, POLNEAR_MISSING, SEEDS_ARTICLES, SEEDS_GOLD

from quotetrack.evaluation.evaluate import (
    Attribution,
    GoldDocument,
    GoldQuote,
    cue_words,
    evaluate,
    format_report,
    read_brat,
    read_gold_yaml,
    score_brat,
    score_seeds,
    write_errors,
)
from quotetrack.records import Article, ParsedArticle, Quote, Sentence, Span, Word

SPEECH = frozenset({"said", "say", "told", "according", ":"})

TEXT = (
    "Smith said the plan would fail.\n"
    '"It is over," Jones said, "and we lost."\n'
    '"We won," Brown told reporters, "and it was fair."\n'
    "Officials believe the vote was fair.\n"
)


def at(text, phrase, occurrence=0):
    """The (start, end) of the n-th occurrence of ``phrase``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(phrase, start + 1)
    return start, start + len(phrase)


def hull(text, first, last):
    """From the start of phrase ``first`` to the end of phrase ``last``."""
    return at(text, first)[0], at(text, last)[1]


def where(text, place):
    """A phrase's first (start, end), or ``place`` itself when it is already a pair."""
    return place if isinstance(place, tuple) else at(text, place)


JONES_SAID = at(TEXT, "said", 1)


def gold(label, cue, content, source=None, text=TEXT):
    """A gold attribution; ``content`` is a phrase, a (start, end) pair or a list of fragments."""
    fragments = content if isinstance(content, list) else [content]
    source_span = (where(text, source),) if source else ()
    return Attribution(label, (where(text, cue),), source_span, tuple(where(text, fragment) for fragment in fragments))


def quote(cue, content, source=None, rule="rule", text=TEXT):
    """A predicted quote; each span a phrase or a (start, end) pair."""

    def span(place):
        if place is None:
            return None
        start, end = where(text, place)
        return Span(start, end, text[start:end])

    return Quote("doc", 0, rule, "indirect", span(cue), None, span(content), span(source))


def unparsed(article):
    """The article with no sentences: for scoring, which needs no parse."""
    return ParsedArticle(article, "none", [])


def score(attributions, quotes, text=TEXT, article=None, sentences=(), anchors=None):
    doc = GoldDocument("doc", Path("doc.txt"), text, list(attributions))
    parsed = ParsedArticle(article or Article("doc", "doc.txt", text, "hash"), "hand", list(sentences))
    return score_brat([doc], {"doc": (parsed, list(quotes))}, speech_cues=SPEECH, anchors=anchors)


def prf(report, field, mode, subset="ALL"):
    scores = report.subsets[subset].spans[field][mode]
    return pytest.approx((scores.precision, scores.recall))


def attribution_prf(report, subset="ALL"):
    scores = report.subsets[subset].attribution
    return pytest.approx((scores.precision, scores.recall))


# ---------------------------------------------------------------- hand-made PolNeAR pairs


def test_exact_ignores_quotation_marks_spaces_and_final_punctuation():
    report = score([gold("E1", JONES_SAID, '"It is over,"', "Jones")], [quote(JONES_SAID, "It is over", "Jones")])
    assert prf(report, "content", "exact") == (1.0, 1.0)


def test_overlap_gives_partial_credit_by_tokens():
    report = score([gold("E1", "said", "the plan would fail.", "Smith")], [quote("said", "plan would fail", "Smith")])
    assert prf(report, "content", "exact") == (0.0, 0.0)
    assert prf(report, "content", "overlap") == (1.0, 3 / 4)  # 3 of 3 predicted tokens, 3 of 4 gold tokens
    report = score([gold("E1", "said", "plan would fail", "Smith")], [quote("said", "the plan would fail", "Smith")])
    assert prf(report, "content", "overlap") == (3 / 4, 1.0)
    assert attribution_prf(report) == (1.0, 1.0)


def test_discontinuous_content_wrapping_its_cue_and_source_matches_exactly():
    gold_jones = gold("E1", JONES_SAID, ['"It is over,"', '"and we lost."'], "Jones")
    report = score([gold_jones], [quote(JONES_SAID, hull(TEXT, '"It is over', 'we lost."'), "Jones")])
    assert prf(report, "content", "exact") == (1.0, 1.0)
    assert prf(report, "content", "overlap") == (1.0, 1.0)


def test_fragments_split_at_a_sentence_break_are_one_span():
    text = 'Smith said: "We lost.\n\nIt is over."\n'
    split = gold("E1", "said", ["We lost.", "It is over."], "Smith", text=text)
    report = score([split], [quote("said", hull(text, "We", "over"), "Smith", text=text)], text=text)
    assert prf(report, "content", "exact") == (1.0, 1.0)


def test_discontinuous_content_with_more_than_cue_and_source_between_is_partial():
    gold_brown = gold("E1", "told", ['"We won,"', '"and it was fair."'], "Brown")
    report = score([gold_brown], [quote("told", hull(TEXT, '"We won', 'was fair."'), "Brown")])
    assert prf(report, "content", "exact") == (0.0, 0.0)
    # predicted: We won | reporters , " and it was fair (9 tokens); gold: We won | and it was fair (6)
    assert prf(report, "content", "overlap") == (6 / 9, 1.0)
    assert attribution_prf(report) == (1.0, 1.0)


def test_missing_source_matches_only_a_missing_source():
    believe = gold("E1", "believe", "the vote was fair")
    assert attribution_prf(score([believe], [quote("believe", "the vote was fair")])) == (1.0, 1.0)
    assert attribution_prf(score([believe], [quote("believe", "the vote was fair", "Officials")])) == (0.0, 0.0)
    smith = gold("E1", "said", "the plan would fail", "Smith")
    report = score([smith], [quote("said", "the plan would fail")])
    assert attribution_prf(report) == (0.0, 0.0)
    source = report.subsets["ALL"].spans["source"]["exact"]
    assert (source.predicted, source.gold) == (0, 1)


def test_attribution_needs_cue_overlap_and_half_the_gold_content():
    smith = gold("E1", "said", "the plan would fail", "Smith")
    assert attribution_prf(score([smith], [quote("said", "the plan", "Smith")])) == (1.0, 1.0)  # 2 of 4 tokens
    assert attribution_prf(score([smith], [quote("said", "plan", "Smith")])) == (0.0, 0.0)
    assert attribution_prf(score([smith], [quote("Smith", "the plan would fail", "Smith")])) == (0.0, 0.0)


def test_matching_is_one_to_one():
    smith = gold("E1", "said", "the plan would fail", "Smith")
    quotes = [quote("said", "the plan would fail", "Smith", rule="a"),
              quote("said", "plan would fail", "Smith", rule="b")]
    report = score([smith], quotes)
    assert attribution_prf(report) == (0.5, 1.0)
    assert prf(report, "cue", "exact") == (0.5, 1.0)
    # the better overlap (4 tokens) is taken; the other prediction's 3 tokens count only as predicted
    assert prf(report, "content", "overlap") == (4 / 7, 1.0)
    assert [(row.key, row.total, row.correct) for row in report.precision_by_rule] == [("a", 1, 1), ("b", 1, 0)]


def test_speech_subset_keeps_speech_cues_on_both_sides():
    attributions = [gold("E1", "said", "the plan would fail", "Smith"),
                    gold("E2", "believe", "the vote was fair", "Officials")]
    quotes = [quote("said", "the plan would fail", "Smith"), quote("believe", "the vote was fair", "Officials")]
    report = score(attributions, quotes)
    speech = report.subsets["SPEECH"].attribution
    assert (speech.matched, speech.predicted, speech.gold) == (1, 1, 1)
    all_ = report.subsets["ALL"].attribution
    assert (all_.matched, all_.predicted, all_.gold) == (2, 2, 2)
    assert attribution_prf(score(attributions, quotes[1:]), "SPEECH") == (0.0, 0.0)


def test_cue_words_follow_the_speech_definition():
    assert cue_words("Said:") == ["said", ":"]
    assert cue_words("According to") == ["according", "to"]
    assert cue_words("didn’t say,") == ["didnt", "say"]
    assert cue_words(":") == [":"]


def test_predicted_offsets_are_mapped_to_the_source_file():
    source = "MENU\nSmith said the plan would fail.\n"
    cleaned = source[len("MENU\n"):]
    article = Article("doc", "doc.txt", cleaned, "hash", segments=[(0, len("MENU\n"))])
    report = score([gold("E1", "said", "the plan would fail", "Smith", text=source)],
                   [quote("said", "the plan would fail.", "Smith", text=cleaned)], text=source, article=article)
    for field in ("cue", "source", "content"):
        assert prf(report, field, "exact") == (1.0, 1.0)


def test_a_floating_quotation_is_a_further_fragment_of_the_attribution_it_continues():
    text = '"The dam held," Smith said.\n"We will rebuild the bridge."\n"Not this year."'
    said, floating = quote("said", "The dam held", "Smith", text=text), quote(None, "We will rebuild the bridge", text=text)
    after = quote(None, "Not this year", text=text)
    floating.sentence_index, after.sentence_index = 1, 2
    gold_one = gold("E1", "said", ["The dam held", "We will rebuild the bridge", "Not this year"], "Smith", text=text)
    assert attribution_prf(score([gold_one], [said, floating, after], text=text)) == (1.0, 1.0)
    alone = replace(floating, sentence_index=3)  # nothing attributed right before it: a quote of its own, no cue
    gold_said = gold("E1", "said", "The dam held", "Smith", text=text)
    assert attribution_prf(score([gold_said], [said, alone], text=text)) == (0.5, 1.0)


def test_reports_render_and_errors_are_readable(tmp_path):
    attributions = [gold("E1", "said", "the plan would fail", "Smith"),
                    gold("E2", "believe", "the vote was fair", "Officials")]
    quotes = [quote("said", "the plan would fail", "Smith", rule="speech.said"),
              quote("told", "We won", "Brown", rule="speech.told")]
    report = score(attributions, quotes)
    text = format_report(report)
    assert "attribution" in text and "Recall by gold cue" in text and "speech.told" in text
    data = json.loads(report.to_json())
    assert data["ALL"]["attribution"]["recall"] == 0.5
    assert (data["false_negatives"], data["false_positives"]) == (1, 1)
    assert data["recall_by_cue"][0] == {"cue": "said", "gold": 1, "found": 1, "recall": 1.0}
    write_errors(report, tmp_path / "errors.txt")
    errors = (tmp_path / "errors.txt").read_text()
    assert "FN E2 [tokenize: no word of the parse under the cue]  cue=[believe] source=[Officials] " \
           "content=[the vote was fair]" in errors
    assert "FP speech.told  cue=[told] source=[Brown] content=[We won]" in errors
    assert "   | Officials believe the vote was fair." in errors


# ---------------------------------------------------------------- causes of false negatives


def parse(text, *sentences):
    """Hand-made sentences of ``text``: each a string of ``word/lemma/UPOS/head/deprel``, head 1-based (0: root).

    Words are found in ``text`` in reading order; a newline before a sentence starts a paragraph.
    """
    parsed, offset = [], 0
    for number, rows in enumerate(sentences):
        words = []
        for index, row in enumerate(rows.split()):
            form, lemma, upos, head, deprel = row.rsplit("/", 4)
            start = text.index(form, offset)
            offset = start + len(form)
            words.append(Word(index, form, lemma, upos, "", "", int(head) - 1, deprel, start, offset))
        parsed.append(Sentence(number, words[0].start, words[-1].end, text.count("\n", 0, words[0].start), words))
    return parsed


def speech_verbs(word):
    return word.lemma in ("say", "tell", "worry", "want") and word.upos == "VERB" or word.text.lower() == "according"


def diagnosis(text, sentences, attribution, quotes=()):
    """The cause and detail of missing ``attribution``, the only gold attribution of ``text``."""
    report = score([attribution], quotes, text=text, sentences=sentences, anchors=speech_verbs)
    [miss] = [error for error in report.errors if error.kind == "FN"]
    return miss.diagnosis.cause, miss.diagnosis.detail


BROWN = "Brown said the plan would fail."
BROWN_ROWS = ("Brown/Brown/PROPN/2/nsubj said/say/VERB/0/root the/the/DET/4/det plan/plan/NOUN/6/nsubj "
              "would/would/AUX/6/aux fail/fail/VERB/2/ccomp ././PUNCT/2/punct")
BROWN_PARSE = parse(BROWN, BROWN_ROWS)


NO_CUE = [
    ('Trump: "We will win."',
     ['Trump/Trump/PROPN/0/root :/:/PUNCT/1/punct "/"/PUNCT/5/punct We/we/PRON/5/nsubj '
      'will/will/AUX/5/aux win/win/VERB/1/parataxis ././PUNCT/5/punct "/"/PUNCT/5/punct'],
     (":", "We will win", "Trump"),
     ("no-cue", "punctuation ':'")),
    ("Officials believe the vote was fair.",
     ["Officials/official/NOUN/2/nsubj believe/believe/VERB/0/root the/the/DET/4/det "
      "vote/vote/NOUN/6/nsubj was/be/AUX/6/cop fair/fair/ADJ/2/ccomp ././PUNCT/2/punct"],
     ("believe", "the vote was fair", "Officials"),
     ("no-cue", "believe (VERB)")),
]


@pytest.mark.parametrize("text, rows, gold_parts, expected", NO_CUE)
def test_a_punctuation_cue_or_a_cue_no_pattern_anchors_on_is_no_cue(text, rows, gold_parts, expected):
    assert diagnosis(text, parse(text, *rows), gold("E1", *gold_parts, text=text)) == expected


TOKENIZE = [
    ("Kyiv's army said it won.",
     ["K/K/PROPN/8/nsubj y/y/PROPN/1/flat i/i/PROPN/1/flat v/v/PROPN/1/flat '/'/PUNCT/1/punct "
      "s/s/PROPN/1/flat army/army/NOUN/8/nsubj said/say/VERB/0/root it/it/PRON/10/nsubj "
      "won/win/VERB/8/ccomp ././PUNCT/8/punct"],
     ("said", "it won", "Kyiv's army"),
     ("tokenize", "\"Kyiv's\" cut into letters")),
    ("A Post–shows poll puts him ahead.",
     ["A/a/DET/3/det Post–shows/Post–show/PROPN/3/compound poll/poll/NOUN/4/nsubj "
      "puts/put/VERB/0/root him/he/PRON/4/obj ahead/ahead/ADV/4/advmod ././PUNCT/4/punct"],
     ("shows", "him ahead", "poll"),
     ("tokenize", "the cue is part of the word 'Post–shows'")),
    ("Sen. Green said it was fair.",
     ["Sen./Sen./PROPN/0/root",
      "Green/Green/PROPN/2/nsubj said/say/VERB/0/root it/it/PRON/5/nsubj was/be/AUX/5/cop "
      "fair/fair/ADJ/2/ccomp ././PUNCT/2/punct"],
     ("said", "it was fair", "Sen. Green"),
     ("tokenize", "sentence broken after 'Sen.'")),
]


@pytest.mark.parametrize("text, rows, gold_parts, expected", TOKENIZE)
def test_a_word_cut_into_letters_a_cue_inside_a_word_or_a_sentence_broken_mid_phrase_is_tokenize(
        text, rows, gold_parts, expected):
    assert diagnosis(text, parse(text, *rows), gold("E1", *gold_parts, text=text)) == expected


def test_a_sentence_break_after_a_full_stop_or_between_paragraphs_is_no_tokenize_problem():
    text = "Green spoke. He said it was fair.\nIt was."
    sentences = parse(text, "Green/Green/PROPN/2/nsubj spoke/speak/VERB/0/root ././PUNCT/2/punct",
                      "He/he/PRON/2/nsubj said/say/VERB/0/root it/it/PRON/5/nsubj was/be/AUX/5/cop "
                      "fair/fair/ADJ/2/ccomp ././PUNCT/2/punct",
                      "It/it/PRON/2/nsubj was/be/AUX/0/root ././PUNCT/2/punct")
    attribution = gold("E1", "said", ["it was fair.", "It was"], "Green", text=text)
    assert diagnosis(text, sentences, attribution) == ("rule", "source in another sentence")


def test_an_unmatched_prediction_at_the_cue_is_span():
    attribution = gold("E1", "said", "the plan would fail", "Brown", text=BROWN)
    wrong_source = quote("said", "the plan would fail", "plan", text=BROWN)
    assert diagnosis(BROWN, BROWN_PARSE, attribution, [wrong_source]) == ("span", "source [plan]")
    short_content = quote("said", "fail", "Brown", text=BROWN)
    assert diagnosis(BROWN, BROWN_PARSE, attribution, [short_content]) == ("span", "content covers 1/4 gold tokens")


PARSE = [
    ('"It is over," said Jones.',
     ['"/"/PUNCT/4/punct It/it/PRON/4/nsubj is/be/AUX/4/cop over/over/ADV/0/root '
      ',/,/PUNCT/4/punct "/"/PUNCT/4/punct said/say/VERB/4/parataxis Jones/Jones/PROPN/7/obj '
      '././PUNCT/4/punct'],
     ("said", "It is over", "Jones"),
     ("parse", "source 'Jones' is obj of 'said', not the subject of 'said'")),
    ("The plan will fail, Smith said.",
     ["The/the/DET/2/det plan/plan/NOUN/4/nsubj will/will/AUX/4/aux fail/fail/VERB/0/root "
      ",/,/PUNCT/7/punct Smith/Smith/PROPN/7/nsubj said/say/VERB/4/conj ././PUNCT/4/punct"],
     ("said", "The plan will fail", "Smith"),
     ("parse", "content 'fail' is the root, not joined to 'said'")),
    ("Smith said the plan will fail.",
     ["Smith/Smith/PROPN/2/nsubj said/say/VERB/0/root the/the/DET/4/det plan/plan/NOUN/2/obj "
      "will/will/AUX/6/aux fail/fail/VERB/2/conj ././PUNCT/2/punct"],
     ("said", "the plan will fail", "Smith"),
     ("parse", "content split: 'plan' obj and 'fail' conj of 'said'")),
    ("Smith told us it was over.",
     ["Smith/Smith/PROPN/2/compound told/tell/NOUN/0/root us/we/PRON/2/nmod it/it/PRON/6/nsubj "
      "was/be/AUX/6/cop over/over/ADV/2/acl ././PUNCT/2/punct"],
     ("told", "it was over", "Smith"),
     ("parse", "'told' tagged NOUN, not VERB")),
]


@pytest.mark.parametrize("text, rows, gold_parts, expected", PARSE)
def test_a_parse_ud_would_not_give_is_parse(text, rows, gold_parts, expected):
    assert diagnosis(text, parse(text, *rows), gold("E1", *gold_parts, text=text)) == expected


def test_according_to_wants_the_cue_a_case_marker_of_the_source_and_the_source_an_oblique_of_the_content():
    text = "Five people died, according to officials."
    attribution = gold("E1", "according to", "Five people died", "officials", text=text)

    def according(died, according, to, officials):
        return parse(text, f"Five/five/NUM/2/nummod people/people/NOUN/3/nsubj died/die/VERB/{died} ,/,/PUNCT/7/punct "
                           f"according/accord/VERB/{according} to/to/ADP/{to} officials/official/NOUN/{officials} "
                           "././PUNCT/3/punct")

    ud = according("0/root", "7/case", "5/fixed", "3/obl")
    assert diagnosis(text, ud, attribution) == ("rule", "accord/VERB case; source obl; content root")
    as_mark = according("0/root", "7/mark", "5/fixed", "3/obl")
    assert diagnosis(text, as_mark, attribution) == (
        "parse", "'according' is mark of 'officials', not case of the source")
    as_verb = according("0/root", "3/advcl", "7/case", "5/obl")
    assert diagnosis(text, as_verb, attribution) == ("parse", "'according' is advcl of 'died', not case of the source")
    as_root = according("7/parataxis", "7/case", "5/fixed", "0/root")
    assert diagnosis(text, as_root, attribution) == (
        "parse", "source 'officials' is the root, not a dependent of the content")


RULE = [
    (BROWN,
     [BROWN_ROWS],
     ("said", "the plan would fail", "Brown"),
     ("rule", "say/VERB root; source nsubj; content ccomp")),
    ("Brown smiled and said the plan would fail.",
     ["Brown/Brown/PROPN/2/nsubj smiled/smile/VERB/0/root and/and/CCONJ/4/cc "
      "said/say/VERB/2/conj the/the/DET/6/det plan/plan/NOUN/8/nsubj would/would/AUX/8/aux "
      "fail/fail/VERB/4/ccomp ././PUNCT/2/punct"],
     ("said", "the plan would fail", "Brown"),
     ("rule", "say/VERB conj; source nsubj; content ccomp")),
    ("They asked Brown to say it failed.",
     ["They/they/PRON/2/nsubj asked/ask/VERB/0/root Brown/Brown/PROPN/2/obj to/to/PART/5/mark "
      "say/say/VERB/2/xcomp it/it/PRON/7/nsubj failed/fail/VERB/5/ccomp ././PUNCT/2/punct"],
     ("say", "it failed", "Brown"),
     ("rule", "say/VERB xcomp; source obj; content ccomp")),
    ("They want tax cuts and suggest more.",
     ["They/they/PRON/2/nsubj want/want/VERB/0/root tax/tax/NOUN/4/compound cuts/cut/NOUN/2/obj "
      "and/and/CCONJ/6/cc suggest/suggest/VERB/2/conj more/more/ADJ/6/obj ././PUNCT/2/punct"],
     ("want", "tax cuts and suggest more", "They"),
     ("rule", "want/VERB root; source nsubj; content obj")),
    ("That worries Brown.",
     ["That/that/PRON/2/nsubj worries/worry/VERB/0/root Brown/Brown/PROPN/2/obj "
      "././PUNCT/2/punct"],
     ("worries", "That", "Brown"),
     ("rule", "worry/VERB root; source obj; content nsubj")),
]


@pytest.mark.parametrize("text, rows, gold_parts, expected", RULE)
def test_a_right_parse_without_a_match_is_rule_even_with_a_shared_subject(text, rows, gold_parts, expected):
    assert diagnosis(text, parse(text, *rows), gold("E1", *gold_parts, text=text)) == expected


def test_the_report_counts_false_negatives_by_cause_over_all_and_speech(tmp_path):
    text = f"{BROWN}\nTrump: we win.\nWe believe it.\n"
    sentences = parse(text, BROWN_ROWS,
                      "Trump/Trump/PROPN/0/root :/:/PUNCT/1/punct we/we/PRON/4/nsubj win/win/VERB/1/parataxis "
                      "././PUNCT/1/punct",
                      "We/we/PRON/2/nsubj believe/believe/VERB/0/root it/it/PRON/2/obj ././PUNCT/2/punct")
    attributions = [gold("E1", "said", "the plan would fail", "Brown", text=text),
                    gold("E2", ":", "we win", "Trump", text=text),
                    gold("E3", "believe", "it", "We", text=text)]
    report = score(attributions, [], text=text, sentences=sentences, anchors=speech_verbs)
    rows = {row.cause: row for row in report.false_negatives_by_cause()}
    assert [row.cause for row in rows.values()] == ["no-cue", "tokenize", "span", "parse", "rule"]
    assert (rows["no-cue"].all, rows["no-cue"].all_share, rows["no-cue"].speech, rows["no-cue"].speech_share) == (
        2, pytest.approx(2 / 3), 1, 0.5)
    assert (rows["rule"].all, rows["rule"].speech, rows["parse"].all) == (1, 1, 0)
    assert "False negatives by cause" in format_report(report)
    assert json.loads(report.to_json())["false_negatives_by_cause"][0] == {
        "cause": "no-cue", "all": 2, "all_share": pytest.approx(2 / 3), "speech": 1, "speech_share": 0.5}
    write_errors(report, tmp_path / "errors.txt")
    errors = (tmp_path / "errors.txt").read_text()
    assert "FN E1 [rule: say/VERB root; source nsubj; content ccomp]  cue=[said]" in errors
    assert "FN E2 [no-cue: punctuation ':']  cue=[:]" in errors
    assert "FN E3 [no-cue: believe (VERB)]  cue=[believe]" in errors


# ---------------------------------------------------------------- reading brat


def write_brat(root, name, text, anns):
    (root / "text").mkdir(parents=True, exist_ok=True)
    (root / "attributions").mkdir(exist_ok=True)
    (root / "text" / f"{name}.txt").write_text(text, encoding="utf-8")
    for annotator, ann in anns.items():
        (root / "attributions" / f"{name}_{annotator}.ann").write_text(ann, encoding="utf-8")


def test_read_brat_takes_the_first_annotator_and_only_attributions(tmp_path):
    ann = (
        "T1\tSource 46 51\tJones\nT2\tCue 52 56\tsaid\nT3\tContent 32 45;58 72\tx x\nT4\tAttribution 52 56\tsaid\n"
        "T5\tContent 73 82\tx\nE1\tAttribution:T4 Content:T3 Cue:T2 Source:T1 Content2:T5\n"
        "T6\tDiscuss 0 5\tx\nT7\tDiscard 6 9\tx\nT8\tAttribution-no-source 52 56\tsaid\nE2\tAttribution-no-source:T8 \n"
        "# a note\nT9\tContent 0 5\tspan text run onto\nT10 a new line\n"
    )
    write_brat(tmp_path, "doc", TEXT, {"b2": ann.replace("Source 46 51", "Source 45 51"), "a1": ann})
    [doc] = read_brat(tmp_path)
    assert (doc.id, doc.text) == ("doc", TEXT)
    assert doc.attributions == [Attribution("E1", ((52, 56),), ((46, 51),), ((32, 45), (58, 72), (73, 82)))]


def test_evaluate_reads_the_corpus_speech_list(tmp_path):
    (tmp_path / "speech_cues.txt").write_text("# words\nsaid\n")
    ann = "T1\tCue 52 56\tsaid\nT2\tContent 32 45\tx\nE1\tCue:T1 Content:T2\n"
    write_brat(tmp_path / "data" / "dev", "doc", TEXT, {"a1": ann})
    article = Article("doc", "doc.txt", TEXT, "h")
    report = evaluate("polnear", tmp_path / "data" / "dev", {"doc": (unparsed(article), [])})
    speech = report.subsets["SPEECH"].attribution
    assert (speech.gold, speech.recall) == (1, 0.0)
    with pytest.raises(ValueError):
        evaluate("parc", tmp_path, {})


# ---------------------------------------------------------------- the real PolNeAR dev split


@pytest.fixture(scope="module")
def dev():
    if not POLNEAR.is_dir():
        pytest.skip(POLNEAR_MISSING)
    return read_brat(POLNEAR / "data" / "dev")


def test_polnear_dev_counts(dev):
    assert len(dev) == 84
    # The README's 2,320 counts the E lines of every annotator's file; the first
    # annotator's files hold 2,193, one of them an empty duplicate.
    every_file = sum(len(re.findall(r"^E\d+\t", ann.read_text(encoding="utf-8"), re.MULTILINE))
                     for ann in (POLNEAR / "data" / "dev" / "attributions").glob("*.ann"))
    assert every_file == 2320
    assert sum(len(doc.attributions) for doc in dev) == 2192


def perfect_predictions(docs):
    """Quotes built from the gold spans: the content span runs from the first fragment to the last."""

    def quote_of(doc, attribution):
        cue, content, source = (quote_span(doc.text, fragments) for fragments in
                                (attribution.cue, attribution.content, attribution.source))
        return Quote(doc.id, 0, "gold", "indirect", cue, None, content, source)

    return {doc.id: (unparsed(Article(doc.id, str(doc.path), doc.text, "hash")),
                     [quote_of(doc, a) for a in doc.attributions]) for doc in docs}


def quote_span(text, fragments):
    return Span(fragments[0][0], fragments[-1][1], text[fragments[0][0] : fragments[-1][1]]) if fragments else None


def expressible_as_one_quote(text, attribution):
    """Nothing but the attribution's own cue and source, spaces and punctuation lies between its content fragments."""
    own = {offset for start, end in attribution.cue + attribution.source for offset in range(start, end)}
    gaps = [range(end, start) for (_, end), (start, _) in zip(attribution.content, attribution.content[1:])]
    return all(not text[offset].isalnum() or offset in own for gap in gaps for offset in gap)


def test_perfect_predictions_score_one(dev):
    expressible = [replace(doc, attributions=[a for a in doc.attributions if expressible_as_one_quote(doc.text, a)])
                   for doc in dev]
    report = score_brat(expressible, perfect_predictions(expressible))
    for subset in report.subsets.values():
        assert subset.attribution.f1 == 1.0
        assert all(score.f1 == 1.0 for modes in subset.spans.values() for score in modes.values())
    assert not report.errors


def test_perfect_predictions_on_all_of_dev_lose_only_inexpressible_content(dev):
    report = score_brat(dev, perfect_predictions(dev))
    subset = report.subsets["ALL"]
    assert subset.attribution.f1 == 1.0
    assert all(subset.spans[name][mode].f1 == 1.0 for name in ("cue", "source") for mode in ("exact", "overlap"))
    assert subset.spans["content"]["overlap"].recall == 1.0
    assert 0.95 < subset.spans["content"]["exact"].f1 < 1.0
    assert 1300 < report.subsets["SPEECH"].attribution.gold < 1400  # "about 60%" of 2,192


# ---------------------------------------------------------------- seeds gold


def seeds_quote(article, speaker, cue, content, rule="rule"):
    return replace(quote(cue, content, rule=rule, text=article.text), speaker=speaker)


def test_score_seeds_requires_speaker_cue_and_half_the_content():
    text = ('Gladkov said "one woman had died during the evacuation". Analysts say it is over. '
            "The ministry added that the plan worked.")
    article = Article("a", "a.txt", text, "h")
    entries = [
        GoldQuote("a.txt", "Vyacheslav Gladkov", "said", "direct", "one woman had died during the evacuation", True),
        GoldQuote("a.txt", "analysts|ISW", "according to", "indirect", "it is over", True),
        GoldQuote("a.txt", "defen[cs]e ministry", "", "indirect", "the plan worked", False),
        GoldQuote("a.txt", "Gladkov", "said", "indirect", "one woman had died", False),
    ]
    quotes = [
        seeds_quote(article, "Vyacheslav Gladkov", "said", "had died during the evacuation"),  # 5 of 7 words
        seeds_quote(article, "ISW analysts", "say", "it is over"),  # cue "say" is not "according to"
        seeds_quote(article, "Russian defence ministry", "added", "plan worked", rule="ministry"),  # 2 of 3 words
        seeds_quote(article, "Ministry", "said", "it is over", rule="wrong"),
    ]
    report = score_seeds(entries, {"a": (unparsed(article), quotes)})
    assert (report.required.correct, report.required.total) == (1, 2)
    # the Gladkov quote also covers half of "one woman had died", but serves one entry: the required one
    assert (report.optional.correct, report.optional.total) == (1, 2)
    assert [entry.content for entry in report.misses] == ["it is over", "one woman had died"]
    assert [quote.rule_id for quote in report.extras] == ["rule", "wrong"]
    assert not report.unlocated
    assert "required 1/2 found" in format_report(report)
    assert json.loads(report.to_json())["optional"] == {"found": 1, "total": 2, "recall": 0.5}


def test_seed_cue_may_be_part_of_the_predicted_cue_or_contain_it():
    article = Article("a", "a.txt", "According to analysts, it is over.", "h")
    entry = GoldQuote("a.txt", "analysts", "according to", "indirect", "it is over", True)
    for cue in ("According", "According to"):
        predictions = {"a": (unparsed(article), [seeds_quote(article, "analysts", cue, "it is over")])}
        report = score_seeds([entry], predictions)
        assert report.required.correct == 1


def test_real_seeds_gold_reads_and_locates_every_content():
    entries = read_gold_yaml(SEEDS_GOLD)
    assert (len(entries), sum(entry.required for entry in entries)) == (74, 60)
    articles = {path.stem: (unparsed(Article(path.stem, str(path), path.read_text(encoding="utf-8"), "h")), [])
                for path in SEEDS_ARTICLES.glob("*.txt")}
    report = score_seeds(entries, articles)
    assert not report.unlocated
    assert (report.required.correct, report.required.total, len(report.misses)) == (0, 60, 74)
