"""Ingest: boilerplate rules, cleaning with exact offsets, title/date/dateline, input formats, rule-file errors."""

import json
from pathlib import Path

import pytest
import yaml

from conftest import POLNEAR, SEEDS_ARTICLES, SEEDS_GOLD, needs_polnear
from quotetrack.ingest import IngestError, load_boilerplate, read_articles
from quotetrack.yamlfile import RuleError

ROOT = Path(__file__).parent.parent
RULES_DIR = ROOT / "rules"
SEEDS_DIR = SEEDS_ARTICLES

BOILERPLATE = load_boilerplate(RULES_DIR)


def read_all(path, boilerplate=BOILERPLATE):
    """(articles, errors) read from ``path``."""
    errors = []
    articles = list(read_articles(path, boilerplate, lambda source, reason: errors.append((source, reason))))
    return articles, errors


def seed(stem):
    (article,) = read_all(next(SEEDS_DIR.glob(f"{stem}_*.txt")))[0]
    return article


def assert_offsets_exact(article, source_text):
    for i, char in enumerate(article.text):
        assert source_text[article.source_offset(i)] == char, f"offset {i} of {article.source}"


# --------------------------------------------------------------- the rules' own examples

RULE_EXAMPLES = [(rule.id, line, True) for rule in BOILERPLATE.rules for line in rule.examples] + [
    (rule.id, line, False) for rule in BOILERPLATE.rules for line in rule.counterexamples
]


@pytest.mark.parametrize("rule_id, line, should_match", RULE_EXAMPLES, ids=lambda value: str(value)[:50])
def test_rule_example(rule_id, line, should_match):
    rule = next(rule for rule in BOILERPLATE.rules if rule.id == rule_id)
    assert rule.matches(line) is should_match


def test_every_rule_has_examples():
    assert all(rule.examples and rule.description for rule in BOILERPLATE.rules)


# --------------------------------------------------------------- the seed articles

GOLD_BOILERPLATE = [
    (entry["article"], entry["text"]) for entry in yaml.safe_load(SEEDS_GOLD.read_text(encoding="utf-8"))["boilerplate"]
]


@pytest.mark.parametrize("file_name, line", GOLD_BOILERPLATE)
def test_gold_boilerplate_removed(file_name, line):
    (article,), _ = read_all(SEEDS_DIR / file_name)
    assert line in (SEEDS_DIR / file_name).read_text(encoding="utf-8")
    assert line not in article.text


@pytest.mark.parametrize("stem, removed", [
    ("001", "putinru-1684853316902"),
    ("001", "Image Credit: AFP"),
])
def test_image_id_and_credited_caption_removed(stem, removed):
    assert removed not in seed(stem).text


@pytest.mark.parametrize("stem, kept", [
    ("000", '"ABSOLUTELY UNPROTECTED" The Legion says it is recognised by Ukraine'),
    ("000", "President Volodymyr Zelenskiy visited Ukrainian marines"),
    ("001", "Russia has blamed Ukraine for the attack, which Kyiv denied."),
    ("001", "There was no independent confirmation of those losses."),
    ("001", "\n\nTwo groups\n\n"),
    ("002", "\n\n‘Guerrilla groups’\n\n"),
    ("003", "A destroyed house following a strike in the village of Tsirkuny, Kharkiv region\n\nMoscow (AFP) - Drones"),
    ("003", "\n\n- ‘Guerrilla groups’ -\n\n"),
    ("003", "An army service recruitment desk in Moscow displays a poster"),
    ("004", "13 of whom have been hospitalised, according to Russian officials.\nThe defence ministry said"),
    ("004", "The claim could not be independently verified.\n- Serious attack -\nKursk sits"),
    ("004", "But he added: \"The situation in the region is under control\"."),
])
def test_real_text_and_headings_kept(stem, kept):
    assert kept in seed(stem).text


def test_removal_leaves_paragraph_structure():
    article = seed("004")
    assert "officials.\nThe defence ministry" in article.text  # the related headline went with its newline
    assert "impunity for massive" in article.text
    assert article.text.endswith("due to bombardment in July.")
    assert seed("001").text.startswith("Moscow: Russia said on Tuesday")
    assert seed("000").text.endswith("near Vuhledar in the south.")


@pytest.mark.parametrize("path", sorted(SEEDS_DIR.glob("*.txt")), ids=lambda path: path.stem[:3])
def test_seed_offsets_map_back_exactly(path):
    (article,), errors = read_all(path)
    assert not errors
    assert_offsets_exact(article, path.read_bytes().decode("utf-8"))
    assert article.id == path.stem and article.source == str(path)


@pytest.mark.parametrize("stem, published, place, agency", [
    ("000", None, None, None),
    ("001", None, "Moscow", None),
    ("002", "2023-05-23", "Moscow", None),
    ("003", None, "Moscow", "AFP"),
    ("004", None, None, None),
])
def test_seed_date_and_dateline(stem, published, place, agency):
    article = seed(stem)
    assert (article.published, article.dateline_place, article.dateline_agency) == (published, place, agency)
    assert article.title is None  # no seed opens with a headline; 003 opens with a photo caption


def test_leading_date_is_stripped_but_dateline_kept():
    assert seed("002").text.startswith("MOSCOW – Drones struck")


def test_seed_ids_and_hashes_are_stable():
    first, _ = read_all(SEEDS_DIR)
    second, _ = read_all(SEEDS_DIR)
    assert [a.id for a in first] == sorted(path.stem for path in SEEDS_DIR.glob("*.txt"))
    assert [a.content_hash for a in first] == [a.content_hash for a in second]


# --------------------------------------------------------------- made-up texts

def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


@pytest.mark.parametrize("source_text, expected", [
    ("Para one.\n\nAdvertisement\n\nPara two.\n", "Para one.\n\nPara two."),
    ("Para one.\nAdvertisement\n\nPara two.", "Para one.\n\nPara two."),
    ("Para one.\nAdvertisement\nPara two.", "Para one.\nPara two."),
    ("\ufeffShare this article\nIMG_4521.jpg\n\n  Para one.\r\n\r\nPara two.\r\n\r\nRead the rest here.\r\n",
     "Para one.\r\n\r\nPara two."),
    ("date: 2024-08-07\n\nWASHINGTON (AP) — Para one.", "WASHINGTON (AP) — Para one."),
])
def test_cleaning_keeps_exact_offsets(tmp_path, source_text, expected):
    (article,), _ = read_all(write(tmp_path, "a.txt", source_text))
    assert article.text == expected
    assert_offsets_exact(article, source_text)


@pytest.mark.parametrize("first_paragraph, place, agency", [
    ("KYIV, Ukraine (AP) — Ukraine said on Tuesday that it had shot down drones.", "Kyiv, Ukraine", "AP"),
    ("MOSCOW, May 23 (Reuters) - Russia said it had routed the fighters.", "Moscow", "Reuters"),
    ("MANCHESTER, N.H. -- The National Review is hosting a debate watch party.", "Manchester, N.H.", None),
    ("Moscow, which portrays its invasion as a response to a threat, said the attackers were saboteurs.", None, None),
    ("Gladkov – the governor – said one elderly woman had died during the evacuation.", None, None),
    ("EXCLUSIVE – Roger Stone said the voting machines could not be trusted.", None, None),
    ("Sanders: Endorsements prove Clinton 'candidate of the establishment.'", None, None),
])
def test_dateline_forms(tmp_path, first_paragraph, place, agency):
    (article,), _ = read_all(write(tmp_path, "a.txt", first_paragraph + "\n\nMore text follows here."))
    assert (article.dateline_place, article.dateline_agency) == (place, agency)
    assert article.text.startswith(first_paragraph)


@pytest.mark.parametrize("text, title", [
    ("Drones Strike Belgorod as Raid Goes On\n\nMOSCOW – Drones struck.", "Drones Strike Belgorod as Raid Goes On"),
    ("Morton Blackwell Endorses Ted Cruz.\n\nHe did so on Monday.", "Morton Blackwell Endorses Ted Cruz."),
    ("A destroyed house following a strike in the village of Tsirkuny\n\nDrones struck.", None),
    ("Drones Strike Russia’s Belgorod\nMOSCOW – Drones struck houses.", None),
    ("By John Smith And Jane Doe\n\nDrones struck houses.", None),
])
def test_title_only_when_it_can_be_told(tmp_path, text, title):
    (article,), _ = read_all(write(tmp_path, "a.txt", text))
    assert article.title == title
    assert article.text == text  # the title stays article text


def test_folder_reports_bad_files_and_goes_on(tmp_path):
    write(tmp_path, "a.txt", "First article.")
    write(tmp_path, "b.txt", b"Caf\xe9 latin-1 text.")
    write(tmp_path, "c.txt", "  \n\nAdvertisement\n")
    write(tmp_path, "d.txt", "Last article.")
    write(tmp_path, "notes.md", "Not an article.")
    articles, errors = read_all(tmp_path)
    assert [article.id for article in articles] == ["a", "d"]
    assert sorted((Path(source).name, reason.split(" (")[0]) for source, reason in errors) == [
        ("b.txt", "not UTF-8 text"), ("c.txt", "empty text"), ("notes.md", "not an article file")]


def test_missing_path_raises_ingest_error(tmp_path):
    with pytest.raises(IngestError, match="no such file or folder"):
        read_all(tmp_path / "nowhere")


def test_slow_rule_reports_the_article(tmp_path):
    rules = write_rules(tmp_path, "rules:\n  - {id: slow, description: d, pattern: '(a|aa)+b', examples: [ab]}\n")
    write(tmp_path, "a.txt", "a" * 60 + "c")
    write(tmp_path, "b.txt", "Fine.")
    articles, errors = read_all(tmp_path, load_boilerplate(rules))
    assert [article.id for article in articles] == ["b"]
    assert "took too long" in dict(errors)[str(tmp_path / "a.txt")]


# --------------------------------------------------------------- JSON Lines

def test_jsonl_fields_and_metadata(tmp_path):
    good = {"id": "x1", "title": "T", "url": "https://e.com/1", "published": "2024-08-07",
            "text": "Share\nKyiv says its forces advanced.", "section": "world", "tags": ["war"]}
    lines = [json.dumps(good), "", json.dumps({"text": "No id here."}),
             json.dumps({"id": 7, "text": "date 2023-05-23 Dated text.", "published": None})]
    path = write(tmp_path, "in.jsonl", "\n".join(lines) + "\n")
    (first, no_id, dated), errors = read_all(path)
    assert not errors
    assert (first.id, first.title, first.url, first.published) == ("x1", "T", "https://e.com/1", "2024-08-07")
    assert first.metadata == {"section": "world", "tags": ["war"]}
    assert first.text == "Kyiv says its forces advanced." and first.source == f"{path}:1"
    assert_offsets_exact(first, good["text"])
    assert no_id.id == no_id.content_hash[:16] and no_id.source == f"{path}:3"
    assert (dated.id, dated.published, dated.text) == ("7", "2023-05-23", "Dated text.")


@pytest.mark.parametrize("bad_line, reason", [
    (b"{not json", "invalid JSON"),
    (b'{"id": "x3"}', "no 'text' field"),
    (b"[1, 2]", "a line must hold a JSON object"),
    (b'{"text": ["a", "b"]}', "field 'text' must be a string"),
    (b'{"text": "A.", "id": {"n": 1}}', "field 'id' must be a string or an integer"),
    (b'{"text": "   "}', "empty text"),
    (b'{"text": "caf\xe9"}', "not UTF-8 text"),
    (b'{"text": "\\ud800"}', "a field is not valid Unicode text"),
    (b"[" * 100_000, "invalid JSON"),
])
def test_jsonl_bad_line_is_reported_and_skipped(tmp_path, bad_line, reason):
    path = write(tmp_path, "in.jsonl", b'{"text": "First."}\n' + bad_line + b'\n{"text": "Last."}\n')
    articles, errors = read_all(path)
    assert [article.text for article in articles] == ["First.", "Last."]
    assert len(errors) == 1 and errors[0][0] == f"{path}:2" and errors[0][1].startswith(reason)


# --------------------------------------------------------------- broken rule files

def write_rules(tmp_path, text):
    rules = tmp_path / "rules"
    rules.mkdir(exist_ok=True)
    (rules / "boilerplate.yml").write_text(text, encoding="utf-8")
    return rules


RULE = "  - {id: a, description: d, pattern: x, examples: [x]}\n"


@pytest.mark.parametrize("text, code, line, message", [
    ("rules:\n  - id: a\n    pattern: [unclosed\n", "QT101", 4, "invalid YAML"),
    ("rules:\n  - id: a\n    description: d\n    pattern: '(unclosed'\n    examples: [x]\n", "QT104", 4, "bad regular"),
    ("rules:\n  - id: a\n    description: d\n    pattern: x\n    exmaples: [x]\n", "QT103", 5, "unknown key"),
    ("rules:\n  - id: a\n    description: d\n    examples: [x]\n", "QT102", 2, "missing 'pattern'"),
    ("rules:\n  - {id: a, description: d, pattern: x, examples: [x], context: in}\n", "QT103", 2, "unknown context"),
    ("rules:\n" + RULE + RULE, "QT106", 3, "already used"),
    ("- id: a\n", "QT102", 1, "'rules'"),
])
def test_broken_rule_file_names_file_and_line(tmp_path, text, code, line, message):
    rules = write_rules(tmp_path, text)
    with pytest.raises(RuleError) as caught:
        load_boilerplate(rules)
    error = caught.value
    assert (error.code, error.line) == (code, line)
    assert error.path == str(rules / "boilerplate.yml") and message in error.message


# --------------------------------------------------------------- PolNeAR: text nobody here wrote

def polnear_attribution_spans(ann_path):
    """Character spans of the gold sources, cues and contents (not ``Discard``/``Discuss``)."""
    for row in ann_path.read_text(encoding="utf-8").splitlines():
        fields = row.split("\t")
        if row.startswith("T") and len(fields) > 2 and fields[1].split()[0] in ("Source", "Cue", "Content"):
            for stretch in fields[1].split(None, 1)[1].split(";"):
                start, end = stretch.split()
                yield int(start), int(end)


def kept_source_offsets(article, source_text):
    """The source offsets of the cleaned text's characters, checking stretch by stretch that they are the same text."""
    kept = set()
    ends = [clean for clean, _ in article.segments[1:]] + [len(article.text)]
    for (clean, source), end in zip(article.segments, ends):
        assert article.text[clean:end] == source_text[source:source + end - clean]
        kept.update(range(source, source + end - clean))
    return kept


@needs_polnear
def test_polnear_no_attribution_removed_and_offsets_exact():
    for text_path in sorted((POLNEAR / "data" / "train" / "text").glob("*.txt")):
        source_text = text_path.read_bytes().decode("utf-8")
        (article,), _ = read_all(text_path)
        kept = kept_source_offsets(article, source_text)
        for ann_path in text_path.parent.parent.glob(f"attributions/{text_path.stem}_*.ann"):
            for start, end in polnear_attribution_spans(ann_path):
                lost = [i for i in range(start, end) if i not in kept and not source_text[i].isspace()]
                assert not lost, f"{text_path.name}: removed gold text {source_text[start:end]!r}"
