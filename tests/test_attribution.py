"""End to end on short texts: parse, match and resolve with the real models and rules."""

import hashlib

import pytest

from quotetrack.records import Article


@pytest.fixture(scope="module")
def attribute(pipeline):
    """Quotes of each text, all parsed in one batch (the session's pipeline)."""
    texts = {
        "abbreviation": "“My name may not be on the ballot,” Mr. Obama said at the gala, where Mrs. Clinton "
                        "also spoke. “Tolerance is on the ballot.”",
        "own-cue": "“We will win,” Smirnov said.\n“The lack of reciprocity is deplorable,” said Elez Biberaj, "
                   "the director of the division.",
        "nested": "Governor Smirnov said the region was calm on Tuesday.\n"
                  "Russian President Vladimir Putin has pledged to support the region, he said in the video.",
        "apposition": "Sen. Claire McCaskill (D-Mo.) said the hearing was a waste of time.",
        "possessive": "Police said Scott's family had seen the video of the shooting.",
        "unnamed": "He said the bridge was safe.",
        "split": 'He wrote that the mayor "has built the strongest political machine the city has ever seen. Such '
                 'machines, to put it mildly, have never been good for the voters."',
        "later": "“We will rebuild the school,” said Ana Ruiz, 44, a nurse from Leeds. She moved there in 2010. "
                 "“Nobody here will give up on this town.”",
        "later-cue": "“We will rebuild the school,” said Ana Ruiz. Her neighbour Tom Reed warned against haste. "
                     "“Nobody here will stay for long.”",
        "scare": "“We will rebuild the school,” said Ana Ruiz. The plan is only “a start” for the town.",
        "reported-then-quoted": "Residents said the water was still unsafe. “We boil everything twice before we "
                                "drink it.”",
        "relative-then-symbol": "The RVC published video footage late on Monday showing what it said was a fighter "
                                "inspecting a captured armoured vehicle, putting a sticker with the group’s logo over "
                                "the “Z” symbol used to identify Russian forces.",
    }
    articles = [Article(name, name, text, hashlib.sha256(text.encode()).hexdigest()) for name, text in texts.items()]
    return {parsed.article.id: (parsed, quotes) for parsed, quotes in pipeline.run(articles)}


@pytest.mark.parametrize("name,content", [
    ("abbreviation", "My name may not be on the ballot,” Mr. Obama said at the gala, where Mrs. Clinton also spoke. "
                     "“Tolerance is on the ballot"),  # an interrupted quotation goes on after an abbreviation
    ("split", 'that the mayor "has built the strongest political machine the city has ever seen. Such machines, to '
              'put it mildly, have never been good for the voters'),  # a content stopping inside a quotation
])
def test_a_quotation_is_taken_whole(attribute, name, content):
    _, quotes = attribute[name]
    assert [q.content.text for q in quotes] == [content]


def test_a_quotation_with_its_own_speech_verb_never_floats_to_the_previous_speaker(attribute):
    _, quotes = attribute["own-cue"]
    biberaj = [q for q in quotes if q.content.text.startswith("The lack")]
    assert [(q.cue.text, q.speaker) for q in biberaj] == [("said", "Elez Biberaj")]
    assert biberaj[0].rule_id != "floating-quote"


def test_a_nested_attribution_is_kept_and_the_pronoun_skips_its_speaker(attribute):
    _, quotes = attribute["nested"]
    said = next(q for q in quotes if q.cue and q.cue.text == "said" and q.sentence_index == 1)
    assert said.content.text.startswith("Russian President Vladimir Putin has pledged")
    assert said.speaker_span.text == "he" and said.speaker == "Smirnov"
    assert any(q.cue and q.cue.text == "has pledged" and q.speaker == "Vladimir Putin" for q in quotes)


def test_a_speaker_mention_closes_its_parenthesis(attribute):
    _, quotes = attribute["apposition"]
    assert [(q.speaker_span.text, q.speaker) for q in quotes] == [("Sen. Claire McCaskill (D-Mo.)", "Claire McCaskill")]


def test_an_unseen_possessive_is_never_spelt_out_letter_by_letter(attribute):
    parsed, _ = attribute["possessive"]
    words = [w.text for w in parsed.sentences[0].words]
    assert "Scott" in words[2] and not {"S", "c", "o"} & set(words)


def test_a_speaker_mention_takes_in_the_apposition_after_it_however_parsed(attribute):
    _, quotes = attribute["own-cue"]
    biberaj = next(q for q in quotes if q.speaker == "Elez Biberaj")
    assert biberaj.speaker_span.text == "Elez Biberaj, the director of the division"
    assert biberaj.role == "the director of the division"


def test_a_pronoun_left_without_referent_names_no_one(attribute):
    """A pronoun nothing agrees with keeps its mention and gets no speaker (stored with no speaker id)."""
    _, (quote,) = attribute["unnamed"]
    assert quote.speaker_span.text == "He" and quote.speaker is None
    _, quotes = attribute["apposition"]
    assert all(q.speaker for q in quotes)


def test_a_stray_opening_mark_hides_no_attribution_after_it(pipeline):
    """A one-paragraph article opening with a “ that never closes (common in JSON Lines dumps): every quote found."""
    names = ["Smith", "Jones", "Brown", "Taylor", "Wilson"]
    text = "“" + " ".join(f"{names[n % 5]} said the plan number {n} would fail." for n in range(50))
    article = Article("stray", "stray", text, hashlib.sha256(text.encode()).hexdigest())
    [(_, quotes)] = list(pipeline.run([article]))
    assert len(quotes) == 50
    assert [q.content.text for q in quotes][:2] == ["the plan number 0 would fail", "the plan number 1 would fail"]


def test_a_later_quotation_of_the_paragraph_goes_on_the_quote_when_no_cue_comes_between(attribute):
    _, quotes = attribute["reported-then-quoted"]  # reported speech, then a quotation: the quote is mixed
    assert [([part.text for part in q.parts], q.type) for q in quotes] == [
        (["the water was still unsafe", "We boil everything twice before we drink it"], "mixed")]
    _, quotes = attribute["relative-then-symbol"]  # a content holding its attribution takes no later “Z”
    assert quotes and not any(part.text == "Z" for q in quotes for part in q.parts)
    _, quotes = attribute["later"]
    assert [[part.text for part in q.parts] for q in quotes] == [
        ["We will rebuild the school", "Nobody here will give up on this town"]]
    for name in ("later-cue", "scare"):  # another cue word between; a phrase set off in quotation marks
        _, quotes = attribute[name]
        assert [[part.text for part in q.parts] for q in quotes if q.speaker == "Ana Ruiz"] == [
            ["We will rebuild the school"]]
