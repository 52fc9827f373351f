"""The closed JSON Schema of every rule file, and its check with QT codes, file and line.

One schema per file (``SCHEMAS``), closed at every level (``additionalProperties: false``):
a misspelt key, a wrong type or an unknown value stops the load with the line it is on.
The ``description`` of each key is the reference: ``docs/rules.md`` is generated from it.
Cross-references (a node tied to an earlier node, ``@lexicon`` names, unique ids) are
checked by ``rules`` after the schema.
"""

from __future__ import annotations

from pathlib import Path

import jsonschema

from ..errors import RuleError
from .steptable import ARTICLE_STEPS, settings_schema
from .syntax import RELATIONS
from .yamlfile import line_of

WORD_ATTRS = {
    "lemma": "the word's lemma",
    "text": "the word as written",
    "lower": "the word as written, lowercased",
    "upos": "universal part-of-speech tag (VERB, PROPN, …)",
    "xpos": "Penn Treebank tag (VBD, NNP, …)",
    "deprel": "dependency relation to its head (nsubj, ccomp, …)",
}
CATEGORIES = ("speech", "belief", "evidence")
SPEAKER_TYPES = ("person", "organisation", "place", "group")


def _text(description: str) -> dict:
    return {"type": "string", "description": description}


def _words(description: str) -> dict:
    return {"type": "array", "items": {"type": "string"}, "description": description}


def _one_or_more(description: str) -> dict:
    return {"type": ["string", "array"], "items": {"type": "string"}, "minItems": 1, "description": description}


def _closed(properties: dict, required: tuple[str, ...] = (), description: str = "") -> dict:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False,
            "description": description}


def _constraints() -> dict:
    constraints = {key: _one_or_more(f"{meaning}: one value or a list of values; \"@name\" stands for the lemmas "
                                     f"of lexicon *name* in cues.yml")
                   for key, meaning in WORD_ATTRS.items()}
    constraints["feats"] = {
        "type": "object", "additionalProperties": _one_or_more("a feature value or a list of values"),
        "description": "morphological features, each one value or a list: `{VerbForm: Part, Tense: Pres}`",
    }
    constraints["regex"] = _text("a regular expression the word as written must match whole (`regex` syntax)")
    constraints["in_quote"] = {"type": "boolean", "description": "whether the word stands inside quotation marks"}
    return constraints


NODE = _closed({
    "id": _text("the node's name, which later nodes, `cue`, `speaker` and `content` refer to"),
    "like": _text("a node template of `templates:` whose keys this node starts from; the node's own keys "
                  "replace the template's (a node's `not` replaces the template's `not`)"),
    "from": _text("the earlier node this one is tied to (every node but the first has one); "
                  "it must be present, not `absent`"),
    "rel": {"enum": list(RELATIONS), "description": "how this node's word W relates to the `from` node's word: "
                                                    "see the relations table"},
    "position": {"enum": ["before", "after"], "description": "the word comes before (after) the `from` node's word"},
    "absent": {"type": "boolean", "description": "the pattern matches only when no word fits this node"},
    **_constraints(),
    "not": _closed(_constraints(), description="constraints none of which the word may meet"),
}, ("id",), "one word of the pattern: its constraints and its tie to an earlier node")
TEMPLATE = _closed({key: value for key, value in NODE["properties"].items()
                    if key not in ("id", "from", "rel", "like")},
                   description="a named node template: word constraints, `position` and `absent`")

TODO = _text("a known gap: the example runs and is reported, but does not fail the tests. Say why.")

POSITIVE_EXAMPLE = _closed({
    "text": _text("a sentence or short passage, parsed by the real parser"),
    "speaker": _text("the speaker mention as written the rule must find (omit to not check it)"),
    "cue": _text("the cue words the rule must find"),
    "content": _text("the content the rule must find, without its quotation marks"),
    "type": {"enum": ["direct", "indirect", "mixed"], "description": "the quote type the rule must give"},
    "todo": TODO,
}, ("text",), "a text the rule must attribute as given")

NEGATIVE_EXAMPLE = {
    "type": ["string", "object"], "properties": {"text": _text("the text"), "todo": TODO},
    "required": ["text"], "additionalProperties": False,
    "description": "a text the rule must leave alone: the text, or {text, todo}",
}

CONTENT_OPTIONS = {
    "join": _words("subtree: relations of the later siblings that continue the clause (default: the node's own)"),
    "exclude": _words("subtree: nodes whose subtree is cut off the content's edge (\"called *for* …\")"),
    "separator": _text("left_of / right_of: the punctuation that must set the content apart from the attribution"),
    "through": {"enum": ["paragraph"], "description": "right_of: the content runs to the end of the paragraph, "
                                                      "not of the sentence"},
    "skip": _words("after: relations of the cue's dependents right after it that the content skips "
                   "(\"said *on Tuesday* …\")"),
}
CONTENT_KINDS = {
    "subtree": ("the node's subtree and the subtrees of its later siblings over `join`, less `exclude` edges",
                ("join", "exclude")),
    "left_of": ("from the sentence start up to the node's subtree (the speaker mention, for the speaker node)",
                ("separator",)),
    "right_of": ("from the node's subtree (the speaker mention, for the speaker node) to the sentence end",
                 ("separator", "through")),
    "after": ("the words after the node, past its dependents over `skip`, when they open with a finite clause",
              ("skip",)),
    "around": ("the whole sentence, when speaker and cue sit inside it set off by commas "
               "(\"The museum, she said, would …\")", ()),
    "relative": ("from the noun a relative clause is about to the end of the node's subtree, speaker and cue "
                 "inside (\"Clinton's vote, which she has said was a mistake\")", ()),
    "quote": ("`before`: the quotation that opens the sentence right before speaker and cue; `after`: the one "
              "right after them, closing the sentence or after a colon", ()),
}
CONTENT = {
    "type": ["object", "array"],
    "description": "where the content is: exactly one content kind, with that kind's options; or a list of "
                   "such alternatives, tried in order until one gives content",
    "properties": {
        **{kind: ({"enum": ["before", "after"]} if kind == "quote" else {"type": "string"}) | {"description": doc}
           for kind, (doc, _) in CONTENT_KINDS.items()},
        **CONTENT_OPTIONS,
    },
    "additionalProperties": False,
    "minProperties": 1,
    "allOf": [{"if": {"required": [kind]},
               "then": {"propertyNames": {"enum": [kind, *options]}}} for kind, (_, options) in CONTENT_KINDS.items()],
}
CONTENT["items"] = {key: value for key, value in CONTENT.items() if key != "description"} | {"type": "object"}
CONTENT["minItems"] = 2

EXAMPLES = {"type": "array", "items": POSITIVE_EXAMPLE, "minItems": 1,
            "description": "texts the rule must attribute as given (run by `quotetrack rules test`)"}
NEGATIVES = {"type": "array", "items": NEGATIVE_EXAMPLE, "description": "texts the rule must leave alone"}

PATTERN = _closed({
    "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$", "description": "unique name (kebab-case), "
                                                                              "stored with each quote it finds"},
    "description": _text("what construction the pattern finds, with an example"),
    "nodes": {"type": "array", "items": NODE, "minItems": 1,
              "description": "the words of the construction; the first (the anchor) may not be `absent`"},
    "cue": _one_or_more("the node(s) whose words are the cue (default: the first node); "
                        "`[cue, to]` makes \"according to\""),
    "speaker": _text("the node heading the speaker mention; omit when the text names no speaker"),
    "content": CONTENT,
    "category": {"enum": list(CATEGORIES), "description": "what kind of attribution (default: the cue word's "
                                                         "category in cues.yml, else speech)"},
    "min_words": {"type": "integer", "minimum": 1, "description": "the shortest content accepted, in words"},
    "settings": {"type": "object", "properties": settings_schema("match"), "additionalProperties": False,
                 "description": "step settings for this pattern only, over those of defaults.yml: "
                                "`{mention: {parenthesis_reach: 3}}`"},
    "examples": EXAMPLES,
    "not": NEGATIVES,
}, ("id", "description", "nodes", "content", "examples"), "one dependency pattern")

FLOATING = _closed({
    "id": PATTERN["properties"]["id"],
    "description": _text("what the rule finds"),
    "min_words": PATTERN["properties"]["min_words"],
    "examples": EXAMPLES,
    "not": NEGATIVES,
}, ("id", "description", "examples"),
    "a quotation that opens the paragraph right after an attributed sentence continues that speaker")

LEXICON_ENTRY = {
    "type": ["string", "object"],
    "properties": {
        "lemma": _text("the cue word's lemma"),
        "category": {"enum": list(CATEGORIES), "description": "what kind of attribution the word signals "
                                                             "(default: speech)"},
        "channel": _text("where such words are published, when the word says so (tweet → Twitter)"),
    },
    "required": ["lemma"], "additionalProperties": False,
    "description": "a lemma, or {lemma, category, channel}",
}

SCHEMAS = {
    "defaults.yml": _closed({
        "article_steps": {"type": "array", "items": {"enum": list(ARTICLE_STEPS)}, "uniqueItems": True,
                          "description": "the steps run over each article once its sentences are matched, in order"},
        **{name: schema | {"required": list(schema["properties"])} for name, schema in settings_schema().items()},
    }, ("article_steps", *settings_schema()), "the settings of the engine's steps"),
    "cues.yml": _closed({
        "cue_span": _closed({
            "deprels": _words("relations of the cue's children right before it that join the cue (\"has said\")"),
            "words": _words("words right before the cue that join it whatever their relation (\"also\", \"not\")"),
            "deprels_after": _words("relations of the cue's children right after it that join it (\"pointed out\")"),
        }, ("deprels", "words", "deprels_after"), "which words next to a cue verb belong to the cue"),
        "inflections": {"type": "array", "items": {"type": "array", "items": {"type": "string"}, "minItems": 2,
                                                    "maxItems": 2},
                        "description": "[form ending, lemma ending] pairs, tried in order, by which a verb's form is "
                                       "read as a cue word when the tagger's lemma is none (\"echoed\", lemma "
                                       "\"echoe\": [ed, \"\"] → echo)"},
        "lexicons": {"type": "object", "propertyNames": {"pattern": "^[a-z][a-z0-9_-]*$"},
                     "additionalProperties": {"type": "array", "items": LEXICON_ENTRY},
                     "description": "named lists of cue words that patterns refer to as `@name`"},
        "channels": {"type": "array", "description": "where the text says the words were published; the first "
                                                     "channel whose pattern is found in the cue's modifiers wins",
                     "items": _closed({
                         "name": _text("the channel as stored"),
                         "pattern": _text("a case-insensitive regular expression searched in the cue's modifiers"),
                     }, ("name", "pattern"))},
    }, ("cue_span", "inflections", "lexicons", "channels"), "cue words, their lexicons and channels"),

    "patterns.yml": _closed({
        "templates": {"type": "object", "additionalProperties": TEMPLATE,
                      "propertyNames": {"pattern": "^[a-z][a-z0-9-]*$"},
                      "description": "named node templates that nodes start from with `like: name`"},
        "patterns": {"type": "array", "items": PATTERN,
                     "description": "tried in order; a cue word is used by the first pattern that matches it"},
        "floating": FLOATING,
    }, ("patterns",), "the dependency patterns"),

    "speakers.yml": _closed({
        "mentions": _closed({
            "include": _words("relations that belong to a speaker mention as written (\"Kremlin spokesman "
                              "Dmitry Peskov\")"),
            "role": _words("relations whose words describe the speaker's role rather than name them"),
        }, ("include", "role"), "how speaker mentions are read"),
        "pronouns": {"type": "object", "additionalProperties": {"enum": ["person", "thing", "group"]},
                     "description": "pronoun → what it can refer to (person | thing | group); a speaker written "
                                    "as one of these is stored unresolved when no antecedent is found"},
        "person_nouns": _words("head nouns that make a mention a person"),
        "courtesy_titles": _words("titles that say how to address someone, never a role on their own (\"Mr.\")"),
        "speakers": {"type": "array", "description": "the gazetteer: one canonical name per speaker",
                     "items": _closed({
                         "name": _text("the canonical name"),
                         "type": {"enum": list(SPEAKER_TYPES), "description": "person | organisation | place | group"},
                         "role": _text("what the speaker is"),
                         "aliases": _words("other names and spellings, matched case-insensitively"),
                     }, ("name",))},
        "titles": _words("title and role words dropped from the front of a name (\"Deputy Mayor\", \"Prof.\")"),
        "gendered": _closed({
            "female": _words("words that mark a woman (honorifics, role nouns, pronouns)"),
            "male": _words("words that mark a man"),
        }, ("female", "male"), "gender evidence in the article, used to agree pronouns"),
        "name_particles": _words("lowercase particles inside a name (\"van der\", \"al-\", \"de la\")"),
        "name_links": _words("words that join two runs of proper nouns into one name (\"Bank *of* England\")"),
        "organisation_words": _words("head words that make a name an organisation"),
        "generic_names": _words("plural or collective nouns that are generic sources on their own (\"officials\")"),
        "time_names": _words("days and months: a name run of these words only names no one (\"on *Monday*\")"),
        "definite_determiners": _words("determiners of a definite description resolved to a named antecedent "
                                       "(\"*the* ministry\")"),
        "anonymous": _closed({
            "words": _words("head nouns of anonymous sources (\"a source\")"),
            "phrases": _words("phrases that make a mention anonymous (\"familiar with the matter\")"),
        }, ("words", "phrases"), "what makes a source anonymous"),
        "ambiguous_aliases": {"type": "array", "description": "gazetteer aliases that only count when the article "
                                                              "names one of the context words",
                              "items": _closed({"alias": _text("the alias as written"),
                                                "when": _words("context words, any of which must be in the article")},
                                               ("alias", "when"))},
        "descriptions": _closed({
            "classes": {"type": "object", "additionalProperties": _words("head nouns of this class"),
                        "description": "head nouns by class: a description (\"the miner\") stands for an earlier "
                                       "name whose words or role have a noun of its class (\"platinum producer\")"},
            "bodies_by_subject": _words("head nouns of a description that may stand for the body that is subject of "
                                        "its sentence or the one before (\"Celtic appointed …, the club said\")"),
            "naming": _words("determiners after which a description of a body no name stands for names it "
                             "(\"the city's water utility\" → city's water utility)"),
            "never_bodies": _words("name words of what is no body to stand for: storms, quakes, wars "
                                   "(\"Typhoon Kiko\")"),
        }, ("classes", "bodies_by_subject", "naming", "never_bodies"),
            "how a definite description finds the body or person it stands for"),
        "roles": _closed({
            "never": _words("words that are never a role on their own (\"top\", \"who\", \"summer\")"),
            "cut_before": _words("words where a role ends: a relative clause or an aside begins (\"who\", "
                                 "\"speaking\")"),
            "nouns": _words("role nouns besides titles and person_nouns (\"rival\", \"nominee\")"),
            "head_ends_before": _words("words before which a role's head stands (\"host *of* …\")"),
        }, ("never", "cut_before", "nouns", "head_ends_before"),
            "what a stored role may hold: role noun phrases, else nothing"),
        "sieve": _closed({
            "passes": {"type": "array", "items": {"enum": ["relative", "name", "gazetteer", "body", "anonymous",
                                                           "description", "generic"]},
                       "description": "the passes a speaker mention goes through, most precise first; the first "
                                      "that names it wins"},
            "salience_sentences": {"type": "integer", "minimum": 0,
                                   "description": "how many sentences back a pronoun looks for its antecedent"},
            "salient_few": {"type": "integer", "minimum": 1,
                            "description": "candidates among which one whose gender the article told outranks one "
                                           "whose gender is open"},
        }, ("passes", "salience_sentences", "salient_few"), "the speaker sieve's order and thresholds"),
        "examples": {"type": "array", "description": "stories with the speaker each quote must get: the sieve's "
                                                     "positive and negative examples, run by pytest",
                     "items": _closed({
                         "text": _text("a short story"),
                         "content": _text("a snippet of the quote's content"),
                         "speaker": _text("the canonical speaker"),
                         "kind": {"enum": ["person", "organisation", "place", "generic", "anonymous"],
                                  "description": "the speaker kind (generic and anonymous ones name no speaker)"},
                         "role": _text("the role as stored"),
                         "no_role": {"type": "boolean", "description": "true: the quote must store no role"},
                         "not_speaker": _text("a speaker the quote must not get"),
                         "todo": _text("a known gap: reported, never failed"),
                     }, ("text", "content"))},
        "transliteration": {"type": "array", "description": "regex rewrites applied in order to build the key that "
                                                            "joins spellings of one full name (Zelensky / Zelenskiy)",
                            "items": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}},
    }, ("mentions", "pronouns", "person_nouns", "speakers", "titles", "gendered", "name_particles", "name_links",
        "organisation_words", "generic_names", "time_names", "definite_determiners", "anonymous", "descriptions", "roles", "sieve"),
        "who can speak, and how speaker mentions are read"),

    "first_names.yml": _closed({
        "female": _words("given names that tell a woman where the article says nothing else"),
        "male": _words("given names that tell a man where the article says nothing else"),
    }, ("female", "male"), "first names as gender evidence of last resort"),

    "statements.yml": _closed({
        "non_statements": {"type": "array", "description": "vetoes: a dependency pattern whose first node is a "
                                                           "found quote's cue; when it matches, the quote is dropped",
                           "items": _closed({
                               "id": PATTERN["properties"]["id"],
                               "description": _text("what the veto catches and why it is no statement"),
                               "nodes": PATTERN["properties"]["nodes"],
                               "examples": {"type": "array", "items": _closed({
                                   "text": _text("a sentence"),
                                   "cue": _text("the cue word"),
                                   "match": {"type": "boolean", "description": "true: no quote may keep the cue; "
                                                                               "false: a quote with it is kept"},
                                   "todo": TODO,
                               }, ("text", "cue", "match")), "minItems": 1,
                                   "description": "sentences run by `rules test`"},
                           }, ("id", "description", "nodes", "examples"))},
        "channel_relations": _words("the cue's dependents read for where the words were published"),
        "channel_examples": {"type": "array", "description": "sentences with the channel their quote must carry",
                             "items": _closed({"text": _text("a sentence"), "channel": _text("the channel"),
                                               "todo": TODO}, ("text", "channel"))},
    }, ("non_statements",), "what the screen stage drops, and where it reads channels"),

    "boilerplate.yml": _closed({
        "rules": {"type": "array", "description": "tried in file order; the first that matches a line removes it",
                  "items": _closed({
                      "id": PATTERN["properties"]["id"] | {"description": "unique name (kebab-case), reported when "
                                                                         "the rule misbehaves"},
                      "description": _text("what the rule catches and why it is not article text"),
                      "pattern": _text("a regular expression that must match the whole line, outer spaces stripped"),
                      "context": {"enum": ["anywhere", "between_prose"],
                                  "description": "`between_prose`: only a line between two prose lines "
                                                 "(default: anywhere)"},
                      "examples": {"type": "array", "minItems": 1, "items": NEGATIVE_EXAMPLE | {
                          "description": "a line the rule must remove: the line, or {text, todo}"},
                                   "description": "lines the rule must remove"},
                      "not": {**NEGATIVES, "description": "lines the rule must keep"},
                  }, ("id", "description", "pattern", "examples"))},
    }, ("rules",), "site furniture that ingest removes, line by line"),
    "precision.yml": _closed({
        "measured_on": _text("the annotated articles the figures were measured on (training data, never the "
                             "split rules are chosen on)"),
        "rules": {"type": "object", "description": "each attribution rule's figures, by rule id",
                  "additionalProperties": _closed({
                      "precision": {"type": "number", "minimum": 0, "maximum": 1,
                                    "description": "the share of its quotes that matched an annotated attribution"},
                      "quotes": {"type": "integer", "minimum": 0, "description": "the quotes it gave"},
                      "correct": {"type": "integer", "minimum": 0, "description": "those that matched"},
                  }, ("precision", "quotes", "correct"), "one rule's figures")},
    }, ("measured_on", "rules"), "each attribution rule's measured precision, written by `quotetrack rules score "
                                 "GOLD --write`: the confidence stored with each quote it finds (optional)"),
}


def _where(path: list) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "the file"


def _located(document, path) -> int | None:
    """The line of the deepest value along ``path`` that knows its line, else of the key it is under."""
    line, value = line_of(document), document
    for step in path:
        try:
            key = next((k for k in value if k == step), step) if isinstance(value, dict) else step
            value = value[step]
        except (KeyError, IndexError, TypeError):
            break
        line = line_of(value, line_of(key, line))
    return line


def _error(file: Path, document, error: jsonschema.ValidationError) -> RuleError:
    where, line = _where(list(error.absolute_path)), _located(document, error.absolute_path)
    instance = error.instance
    if "propertyNames" in error.absolute_schema_path:  # ``instance`` is a key, which knows its line
        line = line_of(instance, line)
        if error.validator == "enum":
            return RuleError("QT103", file, line, f"{where}: {instance!r} does not go with this content kind "
                                                  f"(it takes: {', '.join(error.validator_value)})")
        return RuleError("QT103", file, line, f"{where}: bad name {instance!r} ({error.message})")
    if error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        unknown = [k for k in instance if k not in known]
        return RuleError("QT103", file, line_of(unknown[0], line),
                         f"{where}: unknown key {', '.join(map(repr, unknown))} (known: {', '.join(known)})")
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        names = {"array": "list", "object": "mapping", "string": "string", "integer": "whole number",
                 "boolean": "true or false", "number": "number"}
        got = {bool: "true/false", int: "a number", float: "a number", type(None): "empty"}.get(
            type(instance), "a list" if isinstance(instance, list) else "a mapping" if isinstance(instance, dict)
            else f"the text {str(instance)!r}")
        return RuleError("QT102", file, line, f"{where} must be a {' or a '.join(names[w] for w in wanted)}, "
                                              f"not {got}")
    if error.validator == "enum":
        return RuleError("QT103", file, line, f"{where}: {instance!r} is not one of "
                                              f"{', '.join(map(str, error.validator_value))}")
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in instance]
        return RuleError("QT102", file, line, f"{where} needs {', '.join(map(repr, missing))}")
    return RuleError("QT102", file, line, f"{where}: {error.message}")


def validate(file: Path, document) -> None:
    """Check ``document`` (loaded from ``file``) against its schema; the first error, in file order, is raised."""
    schema = SCHEMAS[file.name]
    validator = jsonschema.Draft202012Validator(schema)
    errors = list(validator.iter_errors(document))
    if not errors:
        return
    misspelt = {tuple(e.absolute_path) for e in errors if e.validator == "additionalProperties"}
    errors = [e for e in errors if not (e.validator == "required" and tuple(e.absolute_path) in misspelt)]
    found = [(_error(file, document, e), e.validator == "required", -len(e.absolute_path)) for e in errors]
    raise min(found, key=lambda f: (f[0].line or 0, f[1], f[2]))[0]
