"""The engine's steps as the rule language knows them: one table, ``STEPS``, of each step's
purpose, settings (a JSON Schema each) and stage. ``rules/defaults.yml`` and a pattern's
``settings:`` are validated against it, ``docs/rules.md`` is generated from it, and
``stages/steps.py`` implements each step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _words(description: str) -> dict:
    return {"type": "array", "items": {"type": "string"}, "description": description}


def _number(description: str, kind: str = "integer") -> dict:
    return {"type": kind, "minimum": 0, "description": description}


@dataclass(frozen=True)
class Step:
    """One span policy: what it does (``doc``), its settings (JSON Schema of each), and when it runs."""

    doc: str
    settings: dict[str, dict] = field(default_factory=dict)
    stage: str = "match"  # "match": per matched pattern; "article": once per article, in ``article_steps`` order


STEPS: dict[str, Step] = {
    "mention": Step(
        "How far a speaker mention reaches from the `speaker` node's word: its dependents over "
        "`mentions.include` (speakers.yml), a sibling subject the parser split off, runs of names on "
        "either side, relative clauses whole, a parenthesis opened in it, appositions and \"of\" phrases "
        "after it; a subject right after a preposition reaches back to the start of its clause. "
        "The mention never holds its own cue.", {
            "split_subjects": _words("relations for which a sibling of the same relation right next to the "
                                     "mention, or after a comma, is the same phrase split by the parser"),
            "name_tags": _words("tags of the words taken in on either side, one by one, outside quotations"),
            "whole_clauses": _words("relations whose clause is taken whole when it starts in the mention"),
            "parenthesis_reach": _number("a parenthesis opened in the mention is taken in when it closes "
                                         "within this many words after it"),
            "apposition_links": _words("words after the mention that open an apposition (\",\") or an "
                                       "\"of\" phrase"),
            "apposition_openers": _words("tags an apposition may start with (\", *the* director of …\")"),
            "relative_openers": _words("words a relative clause after a comma may start with (\", *who* …\")"),
            "apposition_punctuation_inside": {"type": "string", "description": "punctuation that does not end "
                                              "an apposition (each character)"},
            "reach_back_after": _words("tags of the word before a subject that make it reach back"),
            "reach_back_until": _words("tags where reaching back stops"),
            "subject_after": _words("words after which a subject stays itself, not reaching back "
                                    "(\"*with* the ministry announcing …\")"),
        }),
    "content.subtree": Step("The content kind `subtree` (see Content kinds).", {
        "possessive_marks": _words("a possessive the parser cut off a name before the content is taken in "
                                   "(\"Kyiv | 's troops\")"),
    }),
    "content.left_of": Step("The content kind `left_of`: edge punctuation is skipped."),
    "content.right_of": Step("The content kind `right_of`: edge punctuation is skipped."),
    "content.after": Step("The content kind `after`.", {
        "finite_clause": {"type": "boolean", "description": "the content must open with a clause: a finite verb "
                                                            "before any comma, conjunction or relative word"},
    }),
    "content.around": Step("The content kind `around`.", {
        "reach": _words("relations of the cue's later dependents that belong to the parenthetical "
                        "(\"she said *on Tuesday*\")"),
        "set_off_by": {"type": "string", "description": "the punctuation on both sides of the parenthetical"},
    }),
    "content.quote": Step("The content kind `quote`.", {
        "handover": {"type": "string", "description": "`before`: a regular expression the quotation's end (up to "
                                                      "the cue) must match — the punctuation that hands it over"},
        "signature_dashes": {"type": "string", "description": "`before`: characters that, opening the attribution, "
                                                              "sign the quotation (\"― Carla Sanchez\")"},
        "colon_gap_words": _number("`after`: at most this many words between the attribution's colon and "
                                   "the quotation"),
    }),
    "quote_type": Step("A quote is `direct`, `mixed` or `indirect` by how much of its content is inside "
                       "quotation marks.", {
                           "direct_share": _number("the share of the content inside quotation marks that makes "
                                                   "a quote direct", "number"),
                       }),
    "channel": Step("Where the words were published: the first channel of cues.yml whose pattern is found in the "
                    "cue's modifiers, else the cue word's own channel.", {
                        "modifier_relations": _words("relations (prefixes) of the cue's dependents searched"),
                    }),
    "untangle": Step("Settles cues inside each other's content in one sentence: of two quotes holding each "
                     "other's cue the longer stays; a content before its cue that holds another's trailing "
                     "attribution goes; a content running into a second cue of its speaker is cut before it.", {
                         "conjunctions": _words("words cut with the content's end before the second cue "
                                                "(\"said … *but* claimed …\")"),
                     }, stage="article"),
    "continue": Step("An interrupted quotation goes on after its attribution, in the same paragraph: "
                     "“A,” she said. “B.” is one quote of two parts.", stage="article"),
    "floating": Step("A quotation opening a paragraph right after an attributed sentence, with no cue of its "
                     "own, continues that speaker (the `floating` rule of patterns.yml).", stage="article"),
}
ARTICLE_STEPS = tuple(name for name, step in STEPS.items() if step.stage == "article")


def settings_schema() -> dict:
    """The closed JSON Schema of step settings, by step (for ``defaults.yml`` and a pattern's ``settings:``)."""
    return {name: {"type": "object", "properties": step.settings, "additionalProperties": False,
                   "description": step.doc}
            for name, step in STEPS.items() if step.settings}


def merged(defaults: dict[str, dict], overrides: dict[str, Any] | None) -> dict[str, dict]:
    """Step settings: ``defaults`` with a pattern's ``overrides`` on top, step by step (a step with none
    keeps the defaults' own dict, which the engine can tell by identity)."""
    overrides = overrides or {}
    return {name: {**values, **overrides[name]} if name in overrides else values for name, values in defaults.items()}
