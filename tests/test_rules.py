"""Rules: every example in rules/*.yml runs as a test; broken rule files fail with code, file and line;
docs/rules.md is what the schema and the step table say; step settings come from YAML."""

import copy
import functools
import hashlib
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import EXAMPLES_DIR, RULES_DIR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotetrack.cli import cli
from quotetrack.errors import CODES, RuleError
from quotetrack.evaluation.ruletests import cases, run_cases
from quotetrack.records import Article
from quotetrack.rulelang import RULE_FILES, load, reference
from quotetrack.rulelang.rules import thinly_tested
from quotetrack.rulelang.steptable import STEPS

CASES = cases(load(RULES_DIR))  # every example of every rule file: patterns, vetoes, channels, boilerplate


@pytest.fixture(scope="session")
def example_results(pipeline):
    """Each case's result, by its label (file:line); the texts that need a parse are parsed in one batch."""
    return {case.label: result for case, result in zip(CASES, run_cases(pipeline, CASES))}


@pytest.mark.parametrize("label", [case.label for case in CASES],
                         ids=[f"{case.label}:{case.rule_id}" for case in CASES])
def test_rule_example(example_results, label):
    result = example_results[label]
    if result.todo:
        pytest.xfail(f"todo: {result.todo}") if result.problem else None
    assert result.problem is None, f"{result.where}: {result.problem}"


def test_the_loader_reads_every_rule_file():
    assert sorted(RULE_FILES) == sorted(path.name for path in RULES_DIR.glob("*.yml"))


def test_every_rule_file_with_examples_has_its_cases():
    assert {Path(case.file).name for case in CASES} == {"patterns.yml", "statements.yml", "boilerplate.yml"}
    assert {case.kind for case in CASES} == {"attribution", "veto", "channel", "boilerplate"}
    assert len({case.label for case in CASES}) == len(CASES)
    assert {case.kind for case in cases(load(RULES_DIR), "negated-speech")} == {"veto"}  # `rules test --rule`


def test_every_pattern_has_two_examples_and_a_counterexample():
    assert [rule.id for rule in thinly_tested(load(RULES_DIR).attribution)] == []


def test_rules_check_warns_of_a_thinly_tested_pattern(rules_copy):
    patterns = rules_copy / "patterns.yml"
    text = patterns.read_text()
    negative = "      - Everything went according to plan.\n"
    patterns.write_text(text.replace("      - According to plan, the bridge opened on Monday.\n", "")
                        .replace(negative, "", 1).replace("    not:\n\n  - id: clause-then-subject-verb",
                                                          "\n  - id: clause-then-subject-verb"))
    result = CliRunner().invoke(cli, ["rules", "check", "--rules", str(rules_copy)])
    assert result.exit_code == 0 and "patterns" in result.output.splitlines()[-1]
    assert f"warning {patterns}:" in result.output and "[according-to]" in result.output


def test_rules_test_runs_one_rule_and_reports_todo_and_steps(rules_copy):
    patterns = rules_copy / "patterns.yml"
    text = patterns.read_text()
    example = "      - text: Five people have been killed and 24 wounded since the fighting began, according to"
    gap = ("      - text: Ten homes burned down on Sunday, according to the fire service.\n"
           "        todo: a gap this rule does not close yet\n"
           "        speaker: the fire brigade\n")  # not what the rule finds: reported as todo, not failed
    patterns.write_text(text.replace(example, gap + example, 1))
    result = CliRunner().invoke(cli, ["rules", "test", "--rules", str(rules_copy), "--rule", "according-to",
                                      "--verbose"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all("[according-to]" in line for line in lines[:-1]) and len(lines) >= 4
    assert any(line.startswith("todo ") and "(todo: a gap this rule" in line and "the fire service" in line
               for line in lines)
    assert "steps=mention+content.left_of" in result.output and "steps=mention+content.right_of" in result.output
    assert lines[-1].endswith("(1 todo, 0 todo fixed, 0 failed)")
    unknown = CliRunner().invoke(cli, ["rules", "test", "--rules", str(rules_copy), "--rule", "nope"])
    assert unknown.exit_code == 1 and "no rule 'nope'" in unknown.output


def test_docs_rules_md_is_current():
    """docs/rules.md is generated (`quotetrack rules docs`): it must be what the code writes today."""
    assert reference.DOCS_PATH.read_text(encoding="utf-8") == reference.render(), "run `quotetrack rules docs`"
    assert CliRunner().invoke(cli, ["rules", "docs", "--check"]).exit_code == 0


def test_docs_architecture_names_every_rule_file_and_its_example_runs():
    text = (RULES_DIR.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert all(name in text for name in RULE_FILES)
    example = text.split("```python\n", 1)[1].split("```", 1)[0].replace('load("rules")', f"load({str(RULES_DIR)!r})")
    exec(example, {})


def test_the_writing_rules_guide_pattern_passes_the_schema(tmp_path):
    """docs/writing-rules.md's example of a new pattern is a valid pattern, with the examples it asks for."""
    guide = (RULES_DIR.parent / "docs" / "writing-rules.md").read_text(encoding="utf-8")
    block = next(block.split("```", 1)[0] for block in guide.split("```yaml\n")[1:] if "id: subject-verb-clause" in block)
    rules = Path(shutil.copytree(RULES_DIR, tmp_path / "rules"))
    (rules / "patterns.yml").write_text("patterns:\n" + block.replace("id: subject-verb-clause", "id: readme-pattern"))
    (pattern,) = load(rules).attribution.patterns
    assert sum(e.match for e in pattern.examples) >= 2 and sum(not e.match for e in pattern.examples) >= 1


def test_docs_name_every_key_step_relation_and_code():
    text = reference.render()
    for word in [*STEPS, *CODES, "`$++`", "`around`", "`skip`", "`join`", "`exclude`", "`separator`", "`through`",
                 "`todo`", "`not`", "`patterns[].settings`", "`templates`", "`like`", "`article_steps`"]:
        assert word in text, word


@pytest.mark.parametrize("form,lemma,expected", [
    ("echoed", "echoe", "echo"), ("pledged", "pledg", "pledge"), ("Decried", "decried", None),
    ("said", "say", None), ("planned", "plann", None), ("verified", "verifie", None)])
def test_a_verbs_form_is_read_as_the_cue_word_its_tagger_lemma_missed(form, lemma, expected):
    assert load(RULES_DIR).attribution.cue_lemma(form, lemma) == expected


def test_a_pattern_setting_overrides_defaults_yml(pipeline, rules_copy):
    """A threshold lives in YAML: quote_type.direct_share decides direct vs mixed, per pattern."""
    from quotetrack.run.pipeline import Pipeline

    text = 'The minister said the plan was "a disaster for everyone who lives in the valley" on Monday.'
    article = Article("x", "x", text, hashlib.sha256(text.encode()).hexdigest())
    (quote,) = [q for _, quotes in pipeline.run([article]) for q in quotes]
    assert quote.type == "mixed" and quote.steps == ["mention", "content.subtree"]
    patterns = rules_copy / "patterns.yml"
    anchor = f"  - id: {quote.rule_id}\n"
    patterns.write_text(patterns.read_text().replace(
        anchor, anchor + "    settings: {quote_type: {direct_share: 0.5}}\n", 1))
    changed = Pipeline(rules_copy)
    changed.parser = pipeline.parser
    (quote,) = [q for _, quotes in changed.run([article]) for q in quotes]
    assert quote.type == "direct"


def test_article_steps_are_chosen_in_defaults_yml(pipeline, rules_copy):
    from quotetrack.run.pipeline import Pipeline

    text = '"We have met the dawn," the Legion said.\n"The myth of safety has been destroyed."'
    article = Article("x", "x", text, hashlib.sha256(text.encode()).hexdigest())
    assert "floating" in {q.rule_id.split("-")[0] for _, quotes in pipeline.run([article]) for q in quotes}
    defaults = rules_copy / "defaults.yml"
    defaults.write_text(defaults.read_text().replace("[untangle, complete, continue, floating]", "[untangle, complete, continue]"))
    changed = Pipeline(rules_copy)
    changed.parser = pipeline.parser
    assert [q.rule_id for _, quotes in changed.run([article]) for q in quotes] == ["quote-then-subject-verb"]


CUE_NODE = '      - {id: cue, lemma: ["@speech", "@stance"], upos: [VERB, NOUN], in_quote: false}\n'
SPEAKER_NODE = ('      - {id: speaker, from: cue, rel: ">", deprel: [nsubj, "nsubj:pass"], '
                'upos: [PROPN, NOUN, PRON, X, VERB, ADJ], in_quote: false}\n')
CONTENT = "    content: {quote: before}\n"
PESKOV = "    aliases: [Dmitri Peskov, Dmitriy Peskov, Peskov]\n"
BOMB = "bomb0: &b0 lol\n" + "".join(f"bomb{n}: &b{n} [" + ", ".join([f"*b{n - 1}"] * 9) + "]\n" for n in range(1, 10))
# (file, text to replace, its replacement, code, part of the message); the error must be on the replaced line
BROKEN = [
    ("patterns.yml", CUE_NODE, CUE_NODE + "      - {id: oops, rel: '>>>', from: cue}\n", "QT103", "is not one of"),
    ("patterns.yml", CUE_NODE, CUE_NODE.replace("@speech", "@speeches"), "QT105", "unknown lexicon"),
    ("patterns.yml", CUE_NODE, CUE_NODE.replace("in_quote: false", "in_quote: 'false'"), "QT102",
     "must be a true or false, not the text 'false'"),
    ("patterns.yml", CUE_NODE, CUE_NODE.replace("upos: [VERB, NOUN]", "upos: [[VERB]]"), "QT102", "must be a string"),
    ("patterns.yml", CUE_NODE, CUE_NODE.replace("upos:", "uops:"), "QT103", "unknown key 'uops'"),
    ("patterns.yml", CUE_NODE, CUE_NODE.replace("in_quote: false", "in_quote: false, not: {lemma: 5}"), "QT102",
     "nodes[0].not.lemma must be a string or a list, not a number"),
    ("patterns.yml", CUE_NODE, CUE_NODE + "      - {id: gone, from: cue, rel: '>', absent: true}\n"
     "      - {id: child, from: gone, rel: '>'}\n", "QT105", "not an earlier present node"),
    ("patterns.yml", SPEAKER_NODE, SPEAKER_NODE + "      - {id: speaker, from: cue, rel: '<'}\n", "QT106",
     "used twice"),
    ("patterns.yml", CONTENT, "    content: {quote: before, jion: [conj]}\n", "QT103", "unknown key 'jion'"),
    ("patterns.yml", CONTENT, "    content: {quote: before, join: [conj]}\n", "QT103",
     "'join' does not go with this content kind"),
    ("patterns.yml", CONTENT, "    content: {quote: before, subtree: cue}\n", "QT103", "does not go with"),
    ("patterns.yml", CONTENT, "    content: {join: [conj]}\n", "QT102", "exactly one content kind"),
    ("patterns.yml", CONTENT, "    content: {subtree: nowhere}\n", "QT105", "'nowhere', which is not a present node"),
    ("patterns.yml", CONTENT, "    content: {quote: inside}\n", "QT103", "'inside' is not one of before, after"),
    ("patterns.yml", CONTENT, CONTENT + "    category: gossip\n", "QT103", "'gossip' is not one of"),
    ("patterns.yml", CONTENT, CONTENT + "    min_words: four\n", "QT102", "must be a whole number, not the text"),
    ("patterns.yml", CONTENT, CONTENT + "    cue: 5\n", "QT102", "cue must be a string or a list, not a number"),
    ("patterns.yml", "    speaker: speaker\n", "    speaker: nobody\n", "QT105", "'nobody', which is not a present node"),
    ("patterns.yml", "  - id: quote-then-verb-subject\n", "  - id: quote-then-subject-verb\n", "QT106",
     "already used"),
    ("patterns.yml", "patterns:\n", "patterns: []\npatterns:\n", "QT107", "'patterns' is written twice"),
    ("patterns.yml", "patterns:\n", "patterns: ]\n", "QT101", "invalid YAML"),
    ("patterns.yml", "patterns:\n", "paterns: []\npatterns:\n", "QT103", "unknown key 'paterns'"),
    ("patterns.yml", "patterns:\n", BOMB + "patterns:\n", "QT108", "expand"),
    ("patterns.yml", "patterns:\n", "loop: &loop [*loop]\npatterns:\n", "QT108", "contains it"),
    ("patterns.yml", CUE_NODE, CUE_NODE.replace('lemma: ["@speech", "@stance"]', 'lemma: [["@speech"]]'), "QT102",
     "lemma[0] must be a string"),
    ("patterns.yml", "  - {id: cue, like: speech-verb}\n", "  - {id: cue, like: speach-verb}\n", "QT105",
     "unknown node template 'speach-verb'"),
    ("patterns.yml", "  speech-verb: {", "  speech-verb: {id: cue, ", "QT103", "unknown key 'id'"),
    ("patterns.yml", CONTENT, CONTENT + "    settings: {mention: {parenthesis_reech: 3}}\n", "QT103",
     "unknown key 'parenthesis_reech'"),
    ("patterns.yml", "    content: [{around: cue}, {left_of: cue}, {right_of: speaker, separator: \",\"}]\n",
     "    content: [{around: cue}, {left_of: cue}, {right_of: speaker, skip: [obl]}]\n", "QT103",
     "'skip' does not go with"),
    ("defaults.yml", "  parenthesis_reach: 6\n", "  parenthesis_reach: six\n", "QT102",
     "mention.parenthesis_reach must be a whole number, not the text 'six'"),
    ("defaults.yml", "  direct_share: 0.9\n", "  direct_share: 0.9\n  indirect_share: 0.1\n", "QT103",
     "unknown key 'indirect_share'"),
    ("defaults.yml", "article_steps: [untangle, complete, continue, floating]", "article_steps: [untangle, float]", "QT103",
     "'float' is not one of untangle, complete, continue, floating"),
    ("defaults.yml", "quote_type:\n", "quote_types:\n", "QT103", "unknown key 'quote_types'"),
    ("cues.yml", "channels:\n", "chanels: []\nchannels:\n", "QT103", "unknown key 'chanels'"),
    ("speakers.yml", "speakers:\n", "speakerz: []\nspeakers:\n", "QT103", "unknown key 'speakerz'"),
    ("boilerplate.yml", "rules:\n", "rules: []\nrules:\n", "QT107", "'rules' is written twice"),
    ("cues.yml", "channels:\n", "channels:\n  - {name: Bad, pattern: '(unclosed'}\n", "QT104",
     "bad regular expression"),
    ("cues.yml", "channels:\n", "channels:\n  - {name: Bad}\n", "QT102", "channels[0] needs 'pattern'"),
    ("cues.yml", "    - {lemma: tweet, channel: Twitter}\n", "    - {lema: tweet, channel: Twitter}\n", "QT103",
     "unknown key 'lema'"),
    ("cues.yml", "    - {lemma: show, category: evidence}\n", "    - {lemma: show, category: proof}\n", "QT103",
     "'proof' is not one of"),
    ("cues.yml", "    - insist\n", "    - insist\n    - say\n", "QT106", "listed twice"),
    ("cues.yml", "lexicons:\n", "lexicons:\n  Bad Name: [x]\n", "QT103", "bad name 'Bad Name'"),
    ("speakers.yml", "speakers:\n", "speakers:\n  - {name: X, type: robot}\n", "QT103", "'robot' is not one of"),
    ("speakers.yml", PESKOV, "    aliases: Peskov\n", "QT102", "aliases must be a list, not the text 'Peskov'"),
    ("speakers.yml", PESKOV, "    aliases: 5\n", "QT102", "aliases must be a list, not a number"),
    ("speakers.yml", "  he: person\n", "  he: persn\n", "QT103", "'persn' is not one of person, thing, group"),
    ("speakers.yml", "  include:", "  includes:", "QT103", "unknown key 'includes'"),
    ("boilerplate.yml", "  - id: social-follow\n", "  - id: syndication-notice\n", "QT106", "already used"),
    ("boilerplate.yml", "  - id: social-follow\n", "  - id: social-follow\n    context: in\n", "QT103",
     "'in' is not one of anywhere, between_prose"),
    ("boilerplate.yml", "  - id: social-follow\n", "  - id: social-follow\n    exmaples: [x]\n", "QT103",
     "unknown key 'exmaples'"),
    ("boilerplate.yml", "    not:\n", "    not: Like us\n    old:\n", "QT102",
     "not must be a list"),
    ("boilerplate.yml", "    pattern: (?i)(?=", "    pattern: (?i)((?=", "QT104", "bad regular"),
    ("statements.yml", "  - id: negated-speech\n", "  - id: negated-speech\n    typo: 1\n", "QT103", "unknown key 'typo'"),
    ("statements.yml", '      - {id: cue, lemma: ["@speech"]}\n', '      - {id: cue, lemma: ["@speeches"]}\n', "QT105",
     "unknown lexicon '@speeches'"),
    ("statements.yml", '      - {id: cue, lemma: ["@speech"]}\n', '      - {id: cue, like: speach-verb}\n', "QT105",
     "unknown node template 'speach-verb'"),
    ("statements.yml", "non_statements:\n",
     "non_statements:\n  - {id: x, description: d, nodes: [{id: cue}], examples: []}\n", "QT102", "should be non-empty"),
    ("first_names.yml", "male: [Aaron,", "mail: [Aaron,", "QT103", "unknown key 'mail'"),
    ("speakers.yml", "courtesy_titles: [mr, ", "honorifics: [mr]\ncourtesy_titles: [mr, ", "QT103",
     "unknown key 'honorifics'"),
]


@pytest.fixture
def rules_copy(tmp_path) -> Path:
    """A copy of the real rules/ to break or change."""
    return Path(shutil.copytree(RULES_DIR, tmp_path / "rules"))


def break_file(rules_dir: Path, name: str, old: str, new: str) -> int:
    path = rules_dir / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return text[:text.index(old)].count("\n") + 1  # the first replaced line


@pytest.mark.parametrize("name,old,new,code,message", BROKEN)
def test_broken_rule_file_names_file_and_line(rules_copy, name, old, new, code, message):
    line = break_file(rules_copy, name, old, new)
    lines = range(line, line + max(1, new.count("\n")))
    with pytest.raises(RuleError) as caught:
        load(rules_copy)
    error = caught.value
    assert (error.code, Path(error.path).name) == (code, name)
    assert message in error.message
    assert error.line in lines, (error.line, list(lines))
    assert str(error).startswith(f"{code} {rules_copy / name}:{error.line}: ") and "(hint: " in str(error)


def test_a_missing_rule_file_is_named(rules_copy):
    (rules_copy / "speakers.yml").unlink()
    with pytest.raises(RuleError) as caught:
        load(rules_copy)
    assert caught.value.code == "QT100" and caught.value.path == str(rules_copy / "speakers.yml")


@pytest.mark.parametrize("name", ["defaults.yml", "statements.yml"])
def test_a_missing_rule_file_names_every_file_a_rules_folder_holds(rules_copy, name):
    (rules_copy / name).unlink()
    result = CliRunner().invoke(cli, ["rules", "check", "--rules", str(rules_copy)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    [line] = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert line.startswith(f"Error: QT100 {rules_copy / name}: rule file not found (a rules folder holds ")
    assert all(file in line for file in {path.name for path in RULES_DIR.glob("*.yml")})


def test_broken_rules_write_nothing(rules_copy, tmp_path):
    break_file(rules_copy, *BROKEN[0][:3])
    db_path = tmp_path / "quotes.db"
    result = CliRunner().invoke(cli, ["build", str(db_path), str(EXAMPLES_DIR), "--rules", str(rules_copy)])
    assert result.exit_code == 1
    assert "QT103" in result.output and "patterns.yml:" in result.output
    assert "Traceback" not in result.output
    assert not db_path.exists()


# ---------------------------------------------------------------- fuzzing the loader

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 100), st.floats(allow_nan=False, width=16),
                    st.text(max_size=8), st.sampled_from(["@speech", "cue", "speaker", ">", "(", "nsubj", "before"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["id", "from", "rel", "text", "lemma", "not", "x"]),
                                                 inner, max_size=3)), max_leaves=6)
DOCUMENTS = {name: yaml.safe_load((RULES_DIR / name).read_text(encoding="utf-8")) for name in RULE_FILES}


def paths_in(value, path=()):
    """Every path to a value in a loaded YAML document."""
    yield path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield from paths_in(child, (*path, key))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_change_to_a_rule_file_loads_or_is_a_rule_error(tmp_path_factory, data):
    """Whatever a rule file says, loading it gives rules or one RuleError: never another exception."""
    name = data.draw(st.sampled_from(RULE_FILES))
    document = copy.deepcopy(DOCUMENTS[name])
    path = data.draw(st.sampled_from(list(paths_in(document))))
    value = data.draw(VALUES)
    if path:
        parent = functools.reduce(lambda node, key: node[key], path[:-1], document)
        parent[path[-1]] = value
    else:
        document = value
    rules = Path(shutil.copytree(RULES_DIR, tmp_path_factory.mktemp("fuzz") / "rules"))
    (rules / name).write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        load(rules)
    except RuleError as error:
        assert error.code in CODES and Path(error.path).name == name
