"""The speaker sieve end to end, on short stories written for it: one row per quote,
with the canonical speaker and speaker kind a careful reader would give."""

import hashlib
import json
import shutil

import pytest
import sqlite_utils

from quotetrack.records import Article, Span
from quotetrack.rulelang import load
from quotetrack.rulelang.yamlfile import RuleError
from quotetrack.run.pipeline import BuildReport
from quotetrack.store.rows import speaker_id

# known gaps with the embedded GloVe parser (the resolver passes these on the compact parser's trees)
GLOVE_GAP = lambda reason: pytest.mark.xfail(reason=f"GloVe parser: {reason}", strict=False)

from conftest import RULES_DIR

STORIES = {
    "object-intro": "Ajax dismissed manager Karel Novak on Monday. Novak said he was disappointed. "
                    "\"I gave everything,\" Mr Novak told the Dutch broadcaster NOS.",
    "role-name": "The city's auditor, Priya Raman, said the accounts were in order. "
                 "Raman said the review had taken six weeks.",
    "name-role": "Hugo Brandt, the club's treasurer, said the debt had been halved.",
    "title": "Deputy Mayor Olu Adeyemi said the market would reopen in May. "
             "Commissioner Joan Pretorius said the budget was fixed. Prof. Kenji Sato said the data were clear.",
    "gender": "Halima Yusuf said the vote was fair. Mr Okonkwo replied that the count was rigged. "
              "She said the observers agreed with her.",
    "thing": "Toyota said it would recall 40,000 cars. It said no injuries had been reported.",
    "definite-body": "The Reserve Bank of Australia raised rates on Tuesday. The central bank said inflation was too high.",
    "definite-person": "Foreign Minister Penny Wong met her counterpart. The minister said the talks were frank.",
    "possessive-body": "Brazil's health ministry said 12 cases had been confirmed. "
                       "The ministry said hospitals were prepared.",
    "generic": "Officials said the road would stay closed. A spokesman said repairs would take a week.",
    "anonymous": "A person familiar with the talks said a deal was close. "
                 "Two diplomats, who spoke on condition of anonymity, said the text was ready.",
    "particle": "Defence lawyer Maria de los Santos said her client was innocent. "
                "De los Santos said the evidence was weak.",
    "first-name": "Lula da Silva said the plan would create jobs. Lula said the state would lead.",
    "unresolved": "\"We will not give up,\" he said.",
    "role-name-juxtaposed": "Union leader Thabo Nkosi said the strike would continue. "
                            "Team doctor Lars Berg said the injury was minor.",
    "organisation-words": "The International Olympic Committee said the games would go ahead. "
                          "The Food and Agriculture Organization said prices had fallen.",
    "of-place": "Senator Rosa Delgado of Arizona said the bill was dead. Delgado said talks were over.",
    "generic-name": "Police said two men had been arrested. Investigators said the fire was deliberate.",
    "possessor-role-name": "Siemens' chief financial officer, Ralf Thomas, told analysts that orders were strong.",
    "apposed-description": "Ofgem, the energy regulator, said the price cap would fall.",
    "role-name-variants": "The company's lawyer, Tom Reyes, said the contract was void. "
                          "Her agent, Silvia Marchetti, said talks had stalled. "
                          "Club chairman Dirk Vos said the stadium would be sold. "
                          "Opposition leader Ama Mensah told supporters that the fight would go on.",
    "ambiguous-alias": "Japan's defence ministry said the drills would continue. "
                       "The defence ministry said no aircraft were lost.",
    "possessive-gender": "Judge Okoro said in her ruling that the law was void. Adebayo Bello replied that the state would appeal. "
                         "\"The evidence is overwhelming,\" she said.",
    "inverted": "\"The reforms are overdue,\" said Ingrid Solberg, the Norwegian finance minister. "
                "\"We cannot wait,\" said Solberg.",
    "body-subject": "Celtic appointed a new manager on Friday, the club said in a statement.",
    "they-generic": "Firefighters said the blaze was under control. They said two homes were destroyed.",
    "they-body": "The Liberal Democrats said the tax was unfair. They said they would vote against it.",
    "company-verb": "Samsung Electronics said it welcomed the measures. Tata Steel said output had risen.",
    "split-hyphen": "South Korea will spend 26 trillion won supporting its semiconductor industry, Finance Minister "
                    "Choi Sang-mok said on Wednesday, as the country races to keep pace with the United States.",
    "weekday": "The Russian Volunteer Corps said it had joined the raid. The group published video late on Monday "
               "showing what it said was a fighter inspecting a captured vehicle.",
    "hyphen-particle": "Economist Khalid al-Amiri said oil revenue had dropped. "
                       "Al-Amiri said the deficit would widen.",
}

EXPECTED = [
    # story, content snippet, canonical speaker, kind
    ("object-intro", "he was disappointed", "Karel Novak", "person"),
    ("object-intro", "I gave everything", "Karel Novak", "person"),
    ("role-name", "accounts were in order", "Priya Raman", "person"),
    ("role-name", "six weeks", "Priya Raman", "person"),
    ("name-role", "debt had been halved", "Hugo Brandt", "person"),
    ("title", "reopen in May", "Olu Adeyemi", "person"),
    ("title", "budget was fixed", "Joan Pretorius", "person"),
    ("title", "data were clear", "Kenji Sato", "person"),
    ("gender", "vote was fair", "Halima Yusuf", "person"),
    ("gender", "observers agreed", "Halima Yusuf", "person"),
    ("thing", "recall 40,000 cars", "Toyota", "organisation"),
    ("thing", "no injuries", "Toyota", "organisation"),
    ("definite-body", "inflation was too high", "Reserve Bank of Australia", "organisation"),
    ("definite-person", "talks were frank", "Penny Wong", "person"),
    pytest.param(*("possessive-body", "12 cases", "Brazil's health ministry", "organisation"), marks=GLOVE_GAP("tags Brazil's as a common noun compound: no proper name to take")),
    pytest.param(*("possessive-body", "hospitals were prepared", "Brazil's health ministry", "organisation"), marks=GLOVE_GAP("the same: the ministry is never named")),
    ("generic", "stay closed", None, "generic"),
    ("generic", "take a week", None, "generic"),
    pytest.param(*("anonymous", "a deal was close", None, "anonymous"), marks=GLOVE_GAP("parses 'familiar' as the reported clause of 'person'")),
    ("anonymous", "text was ready", None, "anonymous"),
    ("particle", "client was innocent", "Maria de los Santos", "person"),
    ("particle", "evidence was weak", "Maria de los Santos", "person"),
    ("first-name", "state would lead", "Lula da Silva", "person"),
    ("unresolved", "We will not give up", None, None),
    ("role-name-juxtaposed", "strike would continue", "Thabo Nkosi", "person"),
    ("role-name-juxtaposed", "injury was minor", "Lars Berg", "person"),
    ("organisation-words", "games would go ahead", "International Olympic Committee", "organisation"),
    ("organisation-words", "prices had fallen", "Food and Agriculture Organization", "organisation"),
    ("of-place", "bill was dead", "Rosa Delgado", "person"),
    ("of-place", "talks were over", "Rosa Delgado", "person"),
    ("generic-name", "two men had been arrested", None, "generic"),
    ("generic-name", "fire was deliberate", None, "generic"),
    ("possessor-role-name", "orders were strong", "Ralf Thomas", "person"),
    ("apposed-description", "price cap would fall", "Ofgem", "organisation"),
    ("role-name-variants", "contract was void", "Tom Reyes", "person"),
    ("role-name-variants", "talks had stalled", "Silvia Marchetti", "person"),
    ("role-name-variants", "stadium would be sold", "Dirk Vos", "person"),
    ("role-name-variants", "fight would go on", "Ama Mensah", "person"),
    ("ambiguous-alias", "drills would continue", "Japan's defence ministry", "organisation"),
    ("ambiguous-alias", "no aircraft were lost", "Japan's defence ministry", "organisation"),
    pytest.param(*("possessive-gender", "The evidence is overwhelming", "Okoro", "person"), marks=GLOVE_GAP("the possessive 'her ruling' hangs elsewhere")),
    ("inverted", "reforms are overdue", "Ingrid Solberg", "person"),
    ("inverted", "We cannot wait", "Ingrid Solberg", "person"),
    ("body-subject", "appointed a new manager", "Celtic", "organisation"),
    ("they-generic", "two homes were destroyed", None, "generic"),
    ("they-body", "would vote against it", "Liberal Democrats", "organisation"),
    ("company-verb", "welcomed the measures", "Samsung Electronics", "organisation"),  # "Samsung" tagged a verb
    ("company-verb", "output had risen", "Tata Steel", "organisation"),
    ("split-hyphen", "will spend 26 trillion won", "Choi Sang-mok", "person"),  # tokenized "Sang- | mok"
    ("weekday", "what it said was a fighter", "Russian Volunteer Corps", "organisation"),  # "it" is not Monday
    ("hyphen-particle", "oil revenue had dropped", "Khalid al-Amiri", "person"),
    ("hyphen-particle", "deficit would widen", "Khalid al-Amiri", "person"),
]


@pytest.fixture(scope="module")
def stories(pipeline):
    articles = [Article(name, name, text, hashlib.sha256(text.encode()).hexdigest()) for name, text in STORIES.items()]
    return {parsed.article.id: quotes for parsed, quotes in pipeline.run(articles)}


@pytest.mark.parametrize("story,snippet,speaker,kind", EXPECTED, ids=[f"{e[0]}:{e[1]}" for e in EXPECTED])
def test_the_speaker_is_the_one_a_reader_would_name(stories, story, snippet, speaker, kind):
    found = [q for q in stories[story] if snippet in q.content.text]
    assert found, f"no quote holds {snippet!r}: {[q.content.text for q in stories[story]]}"
    quote = found[0]
    assert (quote.speaker, quote.speaker_kind) == (speaker, kind), quote.speaker_span


ROLE_STORIES = {
    "courtesy": 'Mr. Sanders said the vote had been rigged. "We will appeal," Ms. Kent said on Monday.',
    "titled": "Gov. Ron Jones said the budget was balanced.",
    "deputy": "Deputy Mayor Sam Austin said the fares would fall.",
    "courtesy-and-role": "Mrs. Clark, the club's treasurer, said the debt had been halved.",
}
ROLES = [
    ("courtesy", "vote had been rigged", None),
    ("courtesy", "We will appeal", None),
    ("titled", "budget was balanced", "Gov."),
    ("deputy", "fares would fall", "Deputy Mayor"),
    ("courtesy-and-role", "debt had been halved", "the club's treasurer"),
]


@pytest.fixture(scope="module")
def role_stories(pipeline):
    articles = [Article(name, name, text, hashlib.sha256(text.encode()).hexdigest())
                for name, text in ROLE_STORIES.items()]
    return {parsed.article.id: quotes for parsed, quotes in pipeline.run(articles)}


@pytest.mark.parametrize("story,snippet,role", ROLES, ids=[f"{r[0]}:{r[1]}" for r in ROLES])
def test_a_courtesy_title_is_no_role(role_stories, story, snippet, role):
    [quote] = [q for q in role_stories[story] if snippet in q.content.text]
    assert quote.role == role


def test_a_mention_cut_inside_a_name_is_mended(pipeline):
    text = 'Economist Khalid al-Amiri spoke first. "The figures are wrong," al-Amiri said.'
    [(parsed, quotes)] = list(pipeline.run([Article("cut", "cut", text, hashlib.sha256(text.encode()).hexdigest())]))
    [quote] = quotes
    start = text.rindex("al-Amiri")
    quote.speaker_span = Span(start, start + 2, "al")  # as a parser that splits "al - Amiri" leaves it
    quote.speaker = None
    [quote] = pipeline.resolver.resolve(parsed, quotes)
    assert (quote.speaker_span.text, quote.speaker) == ("al-Amiri", "Khalid al-Amiri")


def test_an_unresolved_pronoun_keeps_its_mention_but_names_nobody(stories):
    quote = stories["unresolved"][0]
    assert quote.speaker_span.text == "he" and quote.speaker is None and quote.speaker_kind is None


def test_generic_and_anonymous_sources_get_no_speaker_row(built_db):
    db = sqlite_utils.Database(built_db)
    rows = list(db.query("select speaker, speaker_id, speaker_mention, speaker_kind from quotes"
                         " where speaker_kind in ('generic', 'anonymous')"))
    assert rows and all(row["speaker"] is None and row["speaker_id"] is None and row["speaker_mention"]
                        for row in rows)
    named = {row["id"] for row in db.query("select id from speakers")}
    assert not named & {speaker_id(row["speaker_mention"]) for row in rows}
    kinds = {row["speaker_kind"] for row in db.query("select distinct speaker_kind from quotes where speaker_id is not null")}
    assert kinds <= {"person", "organisation", "place"}


@pytest.mark.parametrize("section,bad,message", [
    ("titles", "titles: mr", "titles must be a list"),
    ("gendered", "gendered: {female: [ms], other: [x]}", "unknown key 'other'"),
    ("ambiguous_aliases", "ambiguous_aliases: [{alias: defence ministry}]", "needs 'when'"),
    ("titles", "", "needs 'titles'"),  # the sieve reads it: the schema requires it
])
def test_a_broken_speaker_lexicon_names_file_and_line(tmp_path, section, bad, message):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    path = rules / "speakers.yml"
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{section}:"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")), len(lines))
    path.write_text("\n".join(lines[:start] + [bad] + lines[end:]) + "\n", encoding="utf-8")
    with pytest.raises(RuleError, match=message) as error:
        load(rules)
    assert error.value.path.endswith("speakers.yml") and error.value.line


def test_gender_comes_from_the_lists_in_rules():
    lexicon = load(RULES_DIR).lexicon
    assert lexicon.first_names.get("maria") == "female" and lexicon.first_names.get("ahmed") == "male"
    assert lexicon.gender_words["she"] == "female" and lexicon.gender_words["spokesman"] == "male"


CROSS_ARTICLE = {
    "a.txt": "Mikhail Khodorkovsky said the election was a farce. Anna Kovacs said the count was fair.",
    "b.txt": "Mikhail Hodorkovskiy said the opposition would boycott the vote. Peter Kovacs said turnout was low.",
    "c.txt": "Tomáš Dvořák said the crown was too strong.",
    "d.txt": "Tomas Dvorak said rates would fall.",
}


def built(pipeline, tmp_path, texts: dict[str, str]):
    """A database built from ``texts`` (file name → text), each file read by ingest."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in texts.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    db_path = tmp_path / "quotes.db"
    pipeline.build(db_path, pipeline.read(folder, BuildReport()))
    return db_path, folder


def test_spellings_of_one_person_are_one_speaker_and_namesakes_stay_apart(pipeline, tmp_path):
    db_path, folder = built(pipeline, tmp_path, CROSS_ARTICLE)
    db = sqlite_utils.Database(db_path)
    ids = {row["speaker"]: row["speaker_id"] for row in db.query("select speaker, speaker_id from quotes")}
    assert ids["Mikhail Khodorkovsky"] == ids["Mikhail Hodorkovskiy"] == "mikhail-khodorkovsky"
    assert ids["Tomáš Dvořák"] == ids["Tomas Dvorak"]
    assert ids["Anna Kovacs"] != ids["Peter Kovacs"]
    [row] = db.query("select aliases from speakers where id = 'mikhail-khodorkovsky'")
    assert json.loads(row["aliases"]) == ["Mikhail Hodorkovskiy"]
    pipeline.build(db_path, pipeline.read(folder, BuildReport()), force=True)
    again = {row["speaker"]: row["speaker_id"] for row in db.query("select speaker, speaker_id from quotes")}
    assert again == ids


ROLES_ACROSS = {
    "a.txt": "Election news\n\nRavi Choudhary, the chief electoral officer, said turnout was high.",
    "b.txt": "Election news\n\nRavi Chaudhary, the chief electoral officer, said the count was over.",
    "c.txt": "Election news\n\nRavi Chowdhary, a cricket coach in Delhi, said the team was ready.",
}


def test_a_spelling_that_sounds_alike_joins_only_where_the_roles_agree(pipeline, tmp_path):
    db_path, _ = built(pipeline, tmp_path, ROLES_ACROSS)
    ids = {row["speaker"]: row["speaker_id"] for row in sqlite_utils.Database(db_path).query(
        "select speaker, speaker_id from quotes")}
    assert ids["Ravi Choudhary"] == ids["Ravi Chaudhary"]
    assert ids["Ravi Chowdhary"] != ids["Ravi Choudhary"]
