"""Ingest: boilerplate rules, cleaning with exact offsets, title/date/dateline, input formats, rule-file errors."""

import json
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from conftest import (
    POLNEAR,
    SEEDS_ARTICLES,
    SEEDS_GOLD,
    load_boilerplate,
    needs_polnear,
)

from quotetrack.errors import RuleError
from quotetrack.stages import dates, ingest
from quotetrack.stages.ingest import IngestError, read_articles
from quotetrack.store.rows import article_of_row, article_row

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
    source_text = source_text.replace("\r\n", "\0\n").replace("\r", "\n")  # a lone \r reads as \n
    for i, char in enumerate(article.text):
        assert source_text[article.source_offset(i)] == char, f"offset {i} of {article.source}"


# --------------------------------------------------------------- the rules' own examples

RULE_EXAMPLES = [(rule.id, example.text, example.match) for rule in BOILERPLATE.rules
                 for example in rule.examples if not example.todo]


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


@pytest.mark.parametrize("stem, published, place, agency, outlet", [
    ("000", None, None, None, "Devdiscourse"),  # its syndication notice names the staff
    ("001", None, "Moscow", None, None),  # "Image Credit: AFP" credits a photo, not the article
    ("002", "2023-05-23", "Moscow", None, None),
    ("003", None, "Moscow", "AFP", "AFP"),
    ("004", None, None, None, None),
])
def test_seed_date_dateline_and_outlet(stem, published, place, agency, outlet):
    article = seed(stem)
    assert (article.published, article.dateline_place, article.dateline_agency) == (published, place, agency)
    assert article.outlet == outlet


@pytest.mark.parametrize("stem, title", [
    ("000", "Fighters who infiltrated from Ukraine were battling Russian forces …"),
    ("001", "Russia said on Tuesday it had routed fighters who crossed …"),  # after the "Moscow:" dateline
    ("002", "Drones struck Russia’s border region of Belgorod, where security operations …"),
    ("003", "Drones struck Russia’s border region of Belgorod where security operations …"),  # not the caption
    ("004", "Russia was battling a major cross-border incursion from Ukraine …"),
])
def test_seed_titles_come_from_the_lede(stem, title):
    article = seed(stem)  # no seed opens with a headline; 003 opens with a photo caption
    assert (article.title, article.title_source) == (title, "lede")


def test_seed_removed_boilerplate_is_kept_with_its_rule():
    assert [line["rule"] for line in seed("004").boilerplate] == [
        "social-follow", "social-follow", "related-headline", "report-typo"]
    assert seed("004").boilerplate[0]["text"] == "JOIN US ON TELEGRAM"
    assert seed("002").boilerplate == []  # the leading "date ..." field is metadata, not furniture


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
     "Para one.\n\nPara two."),
    ("Storm Hits Town\r\rOfficials said the storm was bad.\r", "Storm Hits Town\n\nOfficials said the storm was bad."),
    ("Para\x00 one.\x07\r\n\r\nPara two.\x1b", "Para one.\n\nPara two."),
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
    ("Russia says it routed fighters who crossed border from Ukraine\n\nMoscow: Russia said on Tuesday it had won.",
     "Russia says it routed fighters who crossed border from Ukraine"),  # sentence case: a headline all the same
    ("Drones strike Belgorod\n\nMore pictures from the region", None),  # no prose after it: it could be anything
])
def test_title_only_when_it_can_be_told(tmp_path, text, title):
    (article,), _ = read_all(write(tmp_path, "a.txt", text))
    assert (article.title, article.title_source) == (title, "headline") if title else article.title_source == "lede"
    assert article.text == text  # the title stays article text


@pytest.mark.parametrize("text, title", [
    ("Drones struck. Then more came.", "Drones struck"),
    ("KYIV, Ukraine (AP) — Ukraine said on Tuesday that it had shot down drones over the capital.",
     "Ukraine said on Tuesday that it had shot down drones …"),
    ("A destroyed house in Tsirkuny\n\nMoscow (AFP) - Drones struck Belgorod, officials said.",
     "Drones struck Belgorod, officials said"),
    ("JUST ONE LINE WITHOUT AN END", "JUST ONE LINE WITHOUT AN END"),
])
def test_title_from_the_lede_when_there_is_no_headline(tmp_path, text, title):
    (article,), _ = read_all(write(tmp_path, "a.txt", text))
    assert (article.title, article.title_source) == (title, "lede")


@pytest.mark.parametrize("text, published", [
    ("May 23, 2023\n\nDrones struck.", "2023-05-23"),
    ("Drones Strike Belgorod Again\nPublished: 23 May 2023 14:05 GMT\n\nDrones struck.", "2023-05-23"),
    ("Tuesday, Aug. 6, 2024\nDrones struck.", "2024-08-06"),
    ("Updated 2024-08-07\nDrones struck.", "2024-08-07"),
    ("February 30, 2023\nDrones struck.", None),  # no such day
    ("Drones struck on May 23, 2023.\nMore.", None),  # a date in a sentence is not the publication date
    ("One.\nTwo.\nThree.\nFour.\nFive.\nSix.\nMay 23, 2023", None),  # too far down to be a dateline
])
def test_publication_date_stated_on_a_line_of_its_own(tmp_path, text, published):
    (article,), _ = read_all(write(tmp_path, "a.txt", text))
    assert article.published == published


# Every date form README.md lists (its "Dates:" paragraph), and the forms near them.
README_DATES = [
    ("May 23, 2023", "2023-05-23"),
    ("23 February 2023", "2023-02-23"),
    ("Published May 23, 2023 10:15 AM", "2023-05-23"),
    ("Published: 23 May 2023 14:05 GMT", "2023-05-23"),
    ("Tue 23 May 2023 09.12 BST", "2023-05-23"),
    ("Tuesday, Aug. 6, 2024", "2024-08-06"),
    ("Sept. 5, 2023", "2023-09-05"),
    ("23rd of May, 2023", "2023-05-23"),
    ("Updated 2024-08-07", "2024-08-07"),
    ("2023-05-23", "2023-05-23"),
    ("December 1, 2023", "2023-12-01"),
    ("1 January 2024", "2024-01-01"),
    ("February 30, 2023", None),
]


@pytest.mark.parametrize("line, published", README_DATES)
def test_one_date_reader_reads_every_form(line, published):
    assert dates.date_line(line) == published  # a line of its own
    assert dates.date_of(dates.DATE.search(f"MOSCOW, {line} (Reuters) - Drones struck.")) == published  # in a line


@pytest.mark.parametrize("line, published", README_DATES)
def test_a_date_line_the_boilerplate_rules_keep_is_read_right(tmp_path, line, published):
    """Issue 18: with the rule that removes date lines narrowed away, the date-line reader reads the line
    (it used to read "May 23, 2023" as 2023-09-23 and "23 February 2023" as 2023-03-23)."""
    rules = tmp_path / "rules"
    rules.mkdir()
    document = yaml.safe_load((RULES_DIR / "boilerplate.yml").read_text(encoding="utf-8"))
    document["rules"] = [rule for rule in document["rules"] if rule["id"] != "byline-and-timestamp"]
    (rules / "boilerplate.yml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    (article,), _ = read_all(write(tmp_path, "a.txt", f"{line}\n\nDrones struck, officials said."),
                             load_boilerplate(rules))
    assert article.text.startswith(line) and article.published == published


@pytest.mark.parametrize("text, published", [
    ("date 2023-05-23\n\nDrones struck.", "2023-05-23"),  # a leading date field
    ("MOSCOW, May 23, 2023 (Reuters) - Drones struck houses in the Belgorod region, officials said.", "2023-05-23"),
    ("KYIV, 23 February 2023 (AFP) - Drones struck houses in the Belgorod region, officials said.", "2023-02-23"),
])
def test_a_leading_date_field_and_a_dated_dateline(tmp_path, text, published):
    (article,), _ = read_all(write(tmp_path, "a.txt", text))
    assert article.published == published


def test_outlet_from_a_syndication_notice_not_from_an_image_credit(tmp_path):
    text = ("Drones struck.\n\nPhoto: Reuters/Maxim Shemetov\n\n"
            "(Except for the headline, this story has not been edited by NDTV staff and is published from a syndicated feed.)")
    (article,), _ = read_all(write(tmp_path, "a.txt", text))
    assert article.outlet == "NDTV"
    assert [line["rule"] for line in article.boilerplate] == ["image-credit-label", "syndication-notice"]


def test_folder_reports_bad_files_and_goes_on(tmp_path):
    write(tmp_path, "a.txt", "First article.")
    write(tmp_path, "b.txt", b"Caf\xe9 latin-1 text.")
    write(tmp_path, "c.txt", "  \n\nAdvertisement\n")
    write(tmp_path, "d.txt", "Last article.")
    write(tmp_path, "notes.md", "Not an article.")
    articles, errors = read_all(tmp_path)
    assert [article.id for article in articles] == ["a", "d"]
    assert sorted((Path(source).name, reason.split(" (")[0]) for source, reason in errors) == [
        ("b.txt", "QT304 not UTF-8 text"), ("c.txt", "QT305 empty text"), ("notes.md", "QT301 not an article file")]


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
    assert (first.title_source, first.outlet) == ("given", "e.com")
    assert first.metadata == {"section": "world", "tags": ["war"]}
    assert first.text == "Kyiv says its forces advanced." and first.source == f"{path}:1"
    assert_offsets_exact(first, good["text"])
    assert no_id.id == no_id.content_hash[:16] and no_id.source == f"{path}:3"
    assert (dated.id, dated.published, dated.text) == ("7", "2023-05-23", "Dated text.")
    assert (dated.title, dated.title_source, dated.outlet) == ("Dated text", "lede", None)


@pytest.mark.parametrize("fields, outlet", [
    ({"source": "Reuters", "url": "https://www.reuters.com/world/x"}, "Reuters"),
    ({"outlet": "Kyiv Post", "source": "feed-7"}, "Kyiv Post"),
    ({"url": "https://www.kyivpost.com/post/1"}, "kyivpost.com"),
    ({"url": "not a url"}, "AFP"),  # then the dateline's agency
])
def test_jsonl_outlet_from_source_or_url(tmp_path, fields, outlet):
    path = write(tmp_path, "in.jsonl", json.dumps({"text": "MOSCOW (AFP) - Drones struck.", **fields}) + "\n")
    (article,), errors = read_all(path)
    assert not errors and article.outlet == outlet and article.dateline_agency == "AFP"


@pytest.mark.parametrize("bad_line, reason", [
    (b"{not json", "QT303 invalid JSON"),
    (b'{"id": "x3"}', "QT303 no 'text' field"),
    (b"[1, 2]", "QT303 a line must hold a JSON object"),
    (b'{"text": ["a", "b"]}', "QT303 field 'text' must be a string"),
    (b'{"text": "A.", "id": {"n": 1}}', "QT303 field 'id' must be a string or an integer"),
    (b'{"text": "   "}', "QT305 empty text"),
    (b'{"text": "caf\xe9"}', "QT304 not UTF-8 text"),
    (b'{"text": "\\ud800"}', "QT304 a field is not valid Unicode text"),
    (b"[" * 100_000, "QT303 invalid JSON"),
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
    ("rules:\n  - id: a\n    description: d\n    examples: [x]\n", "QT102", 2, "needs 'pattern'"),
    ("rules:\n  - {id: a, description: d, pattern: x, examples: [x], context: in}\n", "QT103", 2, "is not one of"),
    ("rules:\n" + RULE + RULE, "QT106", 3, "already used"),
    ("- id: a\n", "QT102", 1, "must be a mapping"),
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
                lost = [i for i in range(start, end) if i not in kept and not source_text[i].isspace()
                        and not ingest.BIDI_CONTROLS.match(source_text[i])]  # formatting, never text
                assert not lost, f"{text_path.name}: removed gold text {source_text[start:end]!r}"


def test_count_articles_counts_what_read_articles_yields_or_reports(tmp_path):
    from quotetrack.stages.ingest import count_articles

    write(tmp_path, "a.txt", "First article.")
    write(tmp_path, "b.txt", b"Caf\xe9 latin-1 text.")
    write(tmp_path, "c.jsonl", b'{"text": "One."}\r\n\r\n{"text": "Two."}\rnot json\n  \n{"text": "Three."}')
    articles, errors = read_all(tmp_path)
    assert [article.text for article in articles] == ["First article.", "One.", "Two.", "Three."]
    assert [Path(source).name for source, _ in errors] == ["b.txt", "c.jsonl:4"]  # lines split as splitlines does
    assert count_articles(tmp_path) == len(articles) + len(errors) == 6
    assert count_articles(tmp_path / "c.jsonl") == 4
    with pytest.raises(IngestError):
        count_articles(tmp_path / "missing")


# --------------------------------------------------------------- inputs read before

WEB_PAGE = Path(__file__).parent / "data" / "web" / "wire_story.html"


def mixed_folder(tmp_path) -> Path:
    """A folder with an article of each kind: text, JSON Lines (two), an HTML page."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    write(folder, "a.txt", next(SEEDS_DIR.glob("*.txt")).read_bytes())
    write(folder, "b.jsonl", '{"id": 1, "text": "Gladkov said it."}\n{"text": "Peskov said so, Reuters said."}\n')
    write(folder, "c.html", WEB_PAGE.read_bytes())
    return folder


def test_an_input_read_before_is_not_cleaned_again(tmp_path, monkeypatch):
    folder = mixed_folder(tmp_path)
    first, errors = read_all(folder)
    assert not errors and len(first) == 4 and len({article.input_hash for article in first}) == 4
    assert [article.dateline.text for article in first if article.dateline] == [
        "Moscow (AFP) - ", "ROTTERDAM, March 12 (Harbour Wire) - "]
    # as the database gives them back: without the dateline's span, which is found again
    known = {article.input_hash: article_of_row(article_row(article)) for article in first}
    monkeypatch.setattr(ingest, "_article", lambda *args, **kwargs: pytest.fail("an input cleaned again"))
    again = list(read_articles(folder, BOILERPLATE, lambda source, reason: pytest.fail(reason), known=known.get))
    assert again == first
    (page,) = read_articles(folder / "c.html", BOILERPLATE, print, keep_html=True, known=known.get)
    assert page.html == WEB_PAGE.read_text(encoding="utf-8")


def test_the_input_hash_follows_the_bytes_the_source_and_the_cleaning(tmp_path):
    def input_hash(name, text, boilerplate=BOILERPLATE):
        (article,), _ = read_all(write(tmp_path, name, text), boilerplate)
        return article.input_hash

    text = "MOSCOW (Reuters) - Drones struck, Gladkov said.\n"
    same = input_hash("a.txt", text)
    assert input_hash("a.txt", text) == same
    assert input_hash("b.txt", text) != same
    assert input_hash("a.txt", text.replace("struck", "hit")) != same
    fewer_rules = replace(BOILERPLATE, rules=BOILERPLATE.rules[1:])
    assert input_hash("a.txt", text, fewer_rules) != same


# --------------------------------------------------------------- line ends, control characters, bounds (issue 22)

@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
def test_every_line_end_is_one_newline_in_the_text(tmp_path, line_end):
    source_text = line_end.join(["Storm Hits Town", "", "Officials said the storm was bad.", "More followed."])
    (article,), _ = read_all(write(tmp_path, "a.txt", source_text))
    assert article.text == "Storm Hits Town\n\nOfficials said the storm was bad.\nMore followed."
    assert article.title == "Storm Hits Town" and article.title_source == "headline"
    assert_offsets_exact(article, source_text)


def test_a_nul_character_is_left_out_not_kept(tmp_path):
    (article,), errors = read_all(write(tmp_path, "a.txt", "Jones said the vote was\x00 fair and\x00\x00 free."))
    assert article.text == "Jones said the vote was fair and free." and not errors


@pytest.mark.parametrize("text", [
    " ".join(["y" * 19_000] * 10) + " said.",  # a 190,000-character lede of ten words
    "“" + "y" * 199_000,  # one long "word"
])
def test_a_title_is_bounded(tmp_path, text):
    (article,), _ = read_all(write(tmp_path, "a.txt", text))
    assert len(article.title) <= ingest.MAX_TITLE_CHARS and article.title.endswith(" …")


def test_a_given_title_is_bounded(tmp_path):
    path = write(tmp_path, "a.jsonl", json.dumps({"text": "Jones said so.", "title": "Big news " * 10_000}) + "\n")
    (article,), _ = read_all(path)
    assert article.title == ("Big news " * 40).strip()[:ingest.MAX_TITLE_CHARS - 2].rsplit(None, 1)[0] + " …"


def test_a_jsonl_file_opening_with_a_bom_keeps_its_first_line(tmp_path):
    path = write(tmp_path, "a.jsonl", b'\xef\xbb\xbf{"id": "one", "text": "First."}\n'
                                      b'{"id": "two", "text": "Second."}\n')
    articles, errors = read_all(path)
    assert [article.id for article in articles] == ["one", "two"] and not errors
    assert ingest.count_articles(path) == 2


@pytest.mark.parametrize("number", ["1" * 5_000, "-" + "9" * 4_400, "1." + "0" * 5_000, "1e" + "1" * 2_000])
def test_a_huge_json_number_is_one_reason(tmp_path, number):
    path = write(tmp_path, "a.jsonl", '{"text": "First."}\n{"text": "Mid.", "n": %s}\n{"text": "Last."}\n' % number)
    articles, errors = read_all(path)
    assert [article.text for article in articles] == ["First.", "Last."]
    assert errors == [(f"{path}:2", f"QT302 a number of {len(number):,} characters (the limit is 1,000)")]


def test_an_over_long_jsonl_line_is_refused_without_holding_it(tmp_path):
    """A 200 MB line: one reason, the lines after it read, in a child process that never grows by the line's size."""
    path = tmp_path / "big.jsonl"
    with path.open("wb") as out:
        out.write(b'{"id": "before", "text": "First."}\n{"text": "')
        for _ in range(200):
            out.write(b"a" * 2**20)
        out.write(b'"}\r\n{"id": "after", "text": "Last."}\n')
    script = (
        "import resource, sys\n"
        "from quotetrack.rulelang import load\n"
        "from quotetrack.stages.ingest import count_articles, read_articles\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "errors = []\n"
        "ids = [a.id for a in read_articles(sys.argv[1], load(sys.argv[2]).boilerplate, lambda *e: errors.append(e))]\n"
        "print(ids, errors, count_articles(sys.argv[1]))\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n")
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-c", script, str(path), str(RULES_DIR)], capture_output=True, text=True,
                          check=True)
    said, grown_mb = done.stdout.splitlines()
    line_bytes = 200 * 2**20 + len('{"text": ""}')
    assert said == (f"['before', 'after'] [('{path}:2', 'QT302 line too long ({line_bytes:,} bytes; the limit is "
                    f"{ingest.MAX_JSONL_LINE_BYTES:,})')] 3")
    assert int(grown_mb) < 50  # the line is 200 MB
