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
    # "text": once per article, before matching; "match": per matched pattern; "article": once per article,
    # in ``article_steps`` order; "store": once the quotes are stored
    stage: str = "match"


STEPS: dict[str, Step] = {
    "quotations": Step(
        "Where the article's quotations are, before any pattern is matched: each paragraph is read for "
        "quotation marks; a quotation opens at a mark of `marks` and closes at the first of its closing "
        "marks (marks in between that close nothing open are passed over); one left open at the end of its "
        "paragraph runs to that end only when the next paragraph opens with a quotation mark (a quotation of "
        "several paragraphs), else it is a stray mark and hides nothing.", {
            "marks": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"},
                                                                 "minItems": 1},
                      "description": "opening mark → the marks that close it: `{\"“\": [\"”\"], \"«\": [\"»\"]}`"},
        }, stage="text"),
    "mention": Step(
        "How far a speaker mention reaches from the `speaker` node's word: its dependents over "
        "`mentions.include` (speakers.yml), a sibling subject the parser split off, runs of names on "
        "either side, relative clauses whole, a parenthesis opened in it, appositions and \"of\" phrases "
        "after it; a subject right after a preposition reaches back to the start of its clause. "
        "The mention never holds its own cue.", {
            "split_subjects": _words("relations for which a sibling of the same relation right next to the "
                                     "mention, or after a comma, is the same phrase split by the parser"),
            "split_separators": _words("what may stand alone between the two halves of a split subject "
                                       "(\"Mash*,* a channel\"), besides nothing"),
            "name_tags": _words("tags of the words taken in on either side, one by one, outside quotations"),
            "whole_clauses": _words("relations whose clause is taken whole when it starts in the mention"),
            "parenthesis_reach": _number("a parenthesis opened in the mention is taken in when it closes "
                                         "within this many words after it"),
            "apposition_links": _words("words after the mention that open an apposition (\",\") or an "
                                       "\"of\" phrase"),
            "apposition_openers": _words("tags an apposition may start with (\", *the* director of …\")"),
            "relative_openers": _words("words a relative clause after a comma may start with (\", *who* …\")"),
            "apposition_end_tags": _words("tags of the words that end an apposition (its punctuation)"),
            "apposition_punctuation_inside": {"type": "string", "description": "punctuation that does not end "
                                              "an apposition (each character)"},
            "verb_tags": _words("tags of verbs: an \"of\" phrase with one, or an apposition with a finite one "
                                "before any relative word, is a clause of its own, not part of the mention"),
            "finite_feats": _words("features that make a verb finite"),
            "relative_feats": _words("features of the relative words after which an apposition's verbs no longer "
                                     "count (\", the director of the division, *who* said …\")"),
            "reach_back_after": _words("tags of the word before a subject that make it reach back"),
            "reach_back_relations": _words("relations (prefixes) of the mention's head that make it a subject, "
                                           "which may reach back"),
            "reach_back_until": _words("tags where reaching back stops"),
            "subject_after": _words("words after which a subject stays itself, not reaching back "
                                    "(\"*with* the ministry announcing …\")"),
            "subordinator_relations": _words("relations of the word before a subject that make it a subordinator, "
                                             "not a preposition: no reaching back (\"*as* the ministry said\")"),
        }),
    "content.subtree": Step("The content kind `subtree` (see Content kinds).", {
        "possessive_marks": _words("a possessive the parser cut off a name before the content is taken in "
                                   "(\"Kyiv | 's troops\")"),
        "possessor_tags": _words("tags of the name a cut-off possessive belongs to"),
        "subject_relations": _words("relations of a subject: a sibling clause holding a cue word joins the content "
                                    "only with a subject of its own (\"he hoped | it would encourage …\"), not "
                                    "as the speaker's next act (\"…, adding …\")"),
        "other_attribution_relations": _words("relations of a sibling clause that, with a cue word and a named "
                                              "subject, is another attribution, never the content (\"…, but Kyiv "
                                              "has denied …\", \"…, which Kyiv denied\")"),
        "named_subject_tags": _words("tags of a subject that names someone (`other_attribution_relations`)"),
    }),
    "content.left_of": Step("The content kind `left_of`: edge punctuation is skipped.", {
        "edge_tags": _words("tags of the words skipped at the content's edge (punctuation), among which "
                            "`separator` must be"),
    }),
    "content.right_of": Step("The content kind `right_of`: edge punctuation is skipped.", {
        "edge_tags": _words("tags of the words skipped at the content's edge (punctuation), among which "
                            "`separator` must be"),
    }),
    "content.after": Step("The content kind `after`.", {
        "finite_clause": {"type": "boolean", "description": "the content must open with a clause: a finite verb "
                                                            "before any comma, conjunction or relative word"},
        "clause_breaking_tags": _words("`finite_clause`: tags of the words (comma, conjunction) before which the "
                                       "finite verb must come"),
        "clause_breaking_feats": _words("`finite_clause`: features of the relative and question words before "
                                        "which the finite verb must come"),
        "verb_tags": _words("`finite_clause`: tags of verbs"),
        "finite_feats": _words("`finite_clause`: features that make a verb finite"),
    }),
    "content.around": Step("The content kind `around`.", {
        "reach": _words("relations of the cue's later dependents that belong to the parenthetical "
                        "(\"she said *on Tuesday*\")"),
        "set_off_by": {"type": "string", "description": "the punctuation on both sides of the parenthetical"},
    }),
    "content.relative": Step("The content kind `relative`: the noun the cue's relative clause is about joins what "
                             "the clause says of it.", {
        "left_out": _words("relations of the words at the noun phrase's start that stay out (\"on | what he said "
                           "were failures\")"),
    }),
    "content.quote": Step("The content kind `quote`.", {
        "handover": {"type": "string", "description": "`before`: a regular expression the quotation's end (up to "
                                                      "the cue) must match — the punctuation that hands it over"},
        "signature_dashes": {"type": "string", "description": "`before`: characters that, opening the attribution, "
                                                              "sign the quotation (\"― Carla Sanchez\")"},
        "colon_gap_words": _number("`after`: at most this many words between the attribution's colon and "
                                   "the quotation"),
        "sentence_breaks": _words("`before`: what ends a sentence, judged from the text alone: the quotation "
                                  "must open its sentence (or paragraph)"),
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
                     "attribution goes, unless its cue reports others' words; a content running into a second cue "
                     "of its speaker is cut before it.", {
                         "conjunctions": _words("words cut with the content's end before the second cue "
                                                "(\"said … *but* claimed …\")"),
                         "reporting_cues": _words("cues (lemmas, or words as written) whose content may hold "
                                                  "another attribution whole: \"“…,” he told Flake, *according to* "
                                                  "officials\" (the officials report what he said)"),
                     }, stage="article"),
    "complete": Step("A content that starts or stops inside a quotation takes the whole quotation, up to its "
                     "marks, when no other quote holds the rest: \"he wrote that Trump “has built … movement. Such "
                     "movements … free market.”\" is one content though the parser ends the sentence inside it.",
                     stage="article"),
    "continue": Step("An interrupted quotation goes on after its attribution, in the same paragraph: "
                     "“A,” she said. “B.” is one quote of two parts, and so is “A,” said X, an economist. She "
                     "advised three governors. “B.” when no sentence between has a cue word of its own.", {
                         "later_words": _number("the fewest words of a quotation that goes on the quote from a "
                                                "later sentence than the next (a shorter one is a phrase set off "
                                                "in quotation marks, not the speaker's words going on)"),
                     }, stage="article"),
    "floating": Step("A quotation opening a paragraph right after an attributed sentence, with no cue of its "
                     "own, continues that speaker (the `floating` rule of patterns.yml).", stage="article"),
    "statements": Step(
        "Once the quotes are stored, each speaker's copies of one statement (syndicated or trimmed copies, not "
        "paraphrases) are grouped into one row of `statements`: two quotes are copies when they share enough "
        "of their words or one runs unbroken in the other, and copies of copies are one statement.", {
            "shared_words": _number("the share of their distinct words (Jaccard) two quotes must have in common "
                                    "(syndicated copies on the seeds share 0.85 or more; two four-word quotes "
                                    "differing in one word share 0.6)", "number"),
            "contained_words": _number("the fewest words of a quote that, run unbroken in another, make it a "
                                       "copy (a trimmed quote)"),
        }, stage="store"),
}
ARTICLE_STEPS = tuple(name for name, step in STEPS.items() if step.stage == "article")


def settings_schema(stage: str | None = None) -> dict:
    """The closed JSON Schema of step settings, by step: of every step for ``defaults.yml``, of the steps of
    ``stage`` only for a pattern's ``settings:`` ("match")."""
    return {name: {"type": "object", "properties": step.settings, "additionalProperties": False,
                   "description": step.doc}
            for name, step in STEPS.items() if step.settings and stage in (None, step.stage)}


def merged(defaults: dict[str, dict], overrides: dict[str, Any] | None) -> dict[str, dict]:
    """Step settings: ``defaults`` with a pattern's ``overrides`` on top, step by step (a step with none
    keeps the defaults' own dict, which the engine can tell by identity)."""
    overrides = overrides or {}
    return {name: {**values, **overrides[name]} if name in overrides else values for name, values in defaults.items()}
