"""`quotetrack explain`: the parse, the cue candidates and each pattern's trace, with the real parser and rules."""

import pytest
from click.testing import CliRunner

from quotetrack.cli import cli
from quotetrack.evaluation.explain import explain, read_target, render

TEXT = 'The minister said that taxes would rise. "We will appeal the ruling," the lawyer told reporters.'


@pytest.fixture(scope="module")
def explained(pipeline):
    return explain(pipeline, TEXT)


def test_a_match_shows_its_quote_and_a_miss_its_first_failing_node(explained):
    first = {trace.pattern.id: trace for trace in explained[0].traces}
    assert first["subject-verb-clause"].matched
    assert first["subject-verb-clause"].quotes[0].speaker_span.text == "The minister"
    miss = first["quote-then-verb-subject"]
    assert not miss.matched and miss.node == "subject"
    assert "must be absent, but 'minister'#2" in miss.failure


def test_the_parse_is_shown_as_a_table_and_a_tree_with_the_cue_candidates(explained):
    text = render(explained[0])
    assert "3  said      say       VERB   VBD   0     root" in text
    assert "\n  root said (say VERB) #3\n    nsubj minister (minister NOUN) #2\n      det The (the DET) #1" in text
    assert "'said'#3(say VERB root): lexicon speech, category speech" in text
    assert "MATCH subject-verb-clause: speaker='The minister' cue='said' content='that taxes would rise'" in text


def test_the_second_sentence_matches_a_quotation_pattern(explained):
    assert [t.pattern.id for t in explained[1].traces if t.matched] == ["quote-then-subject-verb"]


def test_one_rule_is_traced_even_where_no_word_anchors_it(pipeline):
    [sentence] = explain(pipeline, "The bridge was rebuilt before winter.", rule_id="subject-verb-clause")
    [trace] = sentence.traces
    assert trace.node == "cue" and "no word meets the anchor 'cue'" in trace.failure


def test_file_and_line(tmp_path):
    article = tmp_path / "story.txt"
    article.write_text("Headline\n\nThe mayor said the bridge would reopen.\n", encoding="utf-8")
    assert read_target(f"{article}:3") == (str(article), article.read_text(encoding="utf-8"), 3)
    assert read_target("Some text: 3") == ("<text>", "Some text: 3", None)
    with pytest.raises(ValueError, match="has 4 lines: no line 9"):
        read_target(f"{article}:9")


def test_the_command_explains_one_line_of_a_file(tmp_path):
    article = tmp_path / "story.txt"
    article.write_text('Headline\n\n"We will appeal the ruling," the lawyer told reporters.\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["explain", f"{article}:3", "--rule", "quote-then-subject-verb"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith('sentence 2: "We will appeal the ruling," the lawyer told reporters.')
    assert "MATCH quote-then-subject-verb: speaker='the lawyer' cue='told'" in result.output
    assert "Headline" not in result.output


@pytest.mark.parametrize("args,message", [
    (["explain", "x", "--rule", "no-such-rule"], "no pattern 'no-such-rule'"),
    (["explain", "   "], "nothing to explain"),
])
def test_bad_input_is_one_line(args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and message in result.output and result.output.strip().count("\n") == 0
