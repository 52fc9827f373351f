"""The engine's span policies: named, parameterised steps registered in one table, ``STEPS``.

Their table (purpose, settings, stage) is ``rulelang/steptable.py``. The matcher (``match``)
finds where a pattern's nodes fall; these steps decide what spans a match yields — how far the speaker mention reaches, where each content kind
starts and ends, the quote type — and what happens across an article once every
sentence is matched (untangling nested cues, continuing interrupted quotations,
floating quotations). Every word list and threshold they use is a setting, read from
``rules/defaults.yml`` (and a pattern's ``settings:``) and described in that table.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING

import regex

from ..records import ParsedArticle, Quote, Sentence, Span, Word
from ..rulelang.rules import REGEX_TIMEOUT
from ..rulelang.syntax import phrase
from .view import END, START, TRIM, SentenceView, overlapping, trimmed

if TYPE_CHECKING:
    from ..rulelang.rules import Pattern, RuleSet

compiled = functools.lru_cache(maxsize=None)(regex.compile)  # a setting's regular expression, compiled once


class QuotationMarks:
    """The ``quotations`` step: where an article's quotations are, by the pairs of marks of its ``marks``
    setting (opening mark → the marks that close it)."""

    def __init__(self, settings: dict):
        self.closers = {opening: tuple(closing) for opening, closing in settings["marks"].items()}
        marks = {*self.closers, *(mark for closing in self.closers.values() for mark in closing)}
        self.any = regex.compile("|".join(regex.escape(mark) for mark in sorted(marks, key=lambda m: (-len(m), m))))

    def find(self, text: str) -> list[Span]:
        """Spans inside quotation marks, each opened by a mark of ``marks`` and closed by one of its closing
        marks (a mark that closes nothing open is passed over). A quotation left open at the end of its
        paragraph runs to that end only when the next paragraph opens with a quotation mark, as a quotation
        of several paragraphs does; else the mark is a stray, which never hides what follows it."""
        spans: list[Span] = []
        offset = 0
        paragraphs = text.split("\n")
        for number, paragraph in enumerate(paragraphs):
            opened: int | None = None
            closers: tuple[str, ...] = ()
            for mark in self.any.finditer(paragraph):
                char = mark.group()
                if opened is None and char in self.closers:
                    opened, closers = mark.end(), self.closers[char]
                elif opened is not None and char in closers:
                    spans.append(Span(offset + opened, offset + mark.start(), paragraph[opened:mark.start()]))
                    opened = None
            if opened is not None and paragraph[opened:].strip() and self.opens_with_quote(paragraphs, number + 1):
                spans.append(Span(offset + opened, offset + len(paragraph), paragraph[opened:]))
            offset += len(paragraph) + 1
        return spans

    def opens_with_quote(self, paragraphs: list[str], number: int) -> bool:
        """Whether the first paragraph with text from ``paragraphs[number]`` on opens with a quotation mark."""
        following = next((paragraph.lstrip() for paragraph in itertools.islice(paragraphs, number, None)
                          if paragraph.strip()), "")
        return following.startswith(tuple(self.closers))


@dataclass
class Context:
    """One match of a pattern, as the content steps see it."""

    pattern: Pattern
    bound: dict[str, int]  # node id → word index
    view: SentenceView
    clause: Span  # cue and speaker mention together
    mention: tuple[int, int] | None  # the speaker mention's first and last word
    quotes: list[Span]  # the article's quotations
    text: str
    rules: RuleSet
    settings: dict  # this step's settings


# ------------------------------------------------------------------ speaker mention

def mention(view: SentenceView, head: int, cue: list[int], deprels, settings: dict) -> tuple[int, int]:
    """The speaker mention as written, as first and last word: the head word, its dependents over
    ``mentions.include`` (speakers.yml), and what the parser split off ("Governor Vyacheslav | Gladkov",
    "Mash, | a channel"); it never holds its own cue."""
    words = view.sentence.words
    first, last = phrase(view.sentence, view.children, head, deprels)
    # a second subject right next to this one, or set off by a comma, is the same phrase the parser
    # split: "Kursk regional governor Alexei | Smirnov said", "Mash, a channel, said"
    word = words[head]
    for other in (view.children[word.head] if word.head >= 0 else []):
        if other != head and words[other].deprel == word.deprel and word.deprel in settings["split_subjects"]:
            left, right = phrase(view.sentence, view.children, other, deprels)
            between = words[last + 1:left] if other > head else words[right + 1:first]
            if not between or len(between) == 1 and between[0].text in settings["split_separators"]:
                # one noun phrase split, or an appositive
                first, last = min(first, left), max(last, right)
    names = settings["name_tags"]
    while last + 1 < len(words) and words[last + 1].upos in names and last + 1 not in view.quoted:
        last += 1
    # a relative clause in the mention comes whole: "a former aide who accompanied her to Burma"
    last = max([last] + [view.right[w.index] for w in words[first:last + 1] if w.deprel in settings["whole_clauses"]])
    # a parenthesis opened in the mention or right after it: "McCaskill (D-Mo" | "McCaskill | (D-Mo.)"
    opened = [w.text for w in words[first:last + 2]].count("(") > [w.text for w in words[first:last + 1]].count(")")
    closing = next((w.index for w in words[last + 1:last + 1 + settings["parenthesis_reach"]] if w.text == ")"), None)
    if opened and closing is not None:
        last = closing  # "Sen. Claire McCaskill (D-Mo.)": the parser left the party label apart
    while first > 0 and words[first - 1].upos in names and first - 1 not in view.quoted:
        first -= 1
    last = appositions_end(words, last, view.quoted, settings)
    # a subject never follows a preposition: the parser took the object of "behind the raid"
    # for it, so the phrase reaches back to the start of the clause ("one of two groups ...")
    # (but "with the ministry announcing …" is a subject after "with", and "as the ministry said …" after a
    # subordinator)
    if first > 0 and words[first - 1].upos in settings["reach_back_after"] \
            and words[first - 1].text.lower() not in settings["subject_after"] \
            and words[first - 1].deprel not in settings["subordinator_relations"] \
            and words[head].deprel.startswith(tuple(settings["reach_back_relations"])):
        while first > 0 and words[first - 1].upos not in settings["reach_back_until"] and first - 1 not in view.quoted:
            first -= 1
    return clear_of((first, last), head, cue)


def appositions_end(words: list[Word], last: int, quoted: set[int] | frozenset[int], settings: dict) -> int:
    """The mention's last word once what describes it after it is taken in, whatever the parse made of
    it: appositions and relative clauses set off by commas ("Elez Biberaj, the director of the
    division, who …") and an "of" phrase ("Rep. Elijah Cummings of Maryland")."""
    links, ends_except = settings["apposition_links"], settings["apposition_punctuation_inside"]
    verbs, finite, relative = settings["verb_tags"], settings["finite_feats"], settings["relative_feats"]
    while last + 2 < len(words) and words[last + 1].text.lower() in links and last + 2 not in quoted:
        start = last + 2 if words[last + 1].text == "," else last + 1  # ", the director" | "of Maryland"
        end = next((w.index for w in words[start + 1:] if w.upos in settings["apposition_end_tags"]
                    and w.text not in ends_except or w.index in quoted), len(words))
        segment = words[start:end]
        if not segment:
            break
        head_part = next((segment[:i] for i, w in enumerate(segment) if has_feat(w, relative)), segment)
        if segment[0].text.lower() == "of":
            fits = not any(w.upos in verbs for w in segment)  # "of Maryland", not "of Acme said …"
        else:
            fits = segment[0].text.lower() in settings["relative_openers"] or \
                segment[0].upos in settings["apposition_openers"] and not any(
                    w.upos in verbs and has_feat(w, finite) for w in head_part)
        if not fits:
            break  # a clause of its own: "According to the ministry, the attack failed"
        last = end - 1
    return last


def has_feat(word: Word, feats: list[str]) -> bool:
    """Whether ``word`` has one of ``feats`` ("VerbForm=Fin")."""
    return any(feat in word.feats for feat in feats)


def clear_of(mention_words: tuple[int, int], head: int, cue: list[int]) -> tuple[int, int]:
    """The mention (first, last word) cut short of the cue, on the side of its head: a mention
    never holds its own cue ("Sanders: Clinton needs …", parsed with the clause as an appositive)."""
    first, last = mention_words
    for index in cue:
        if first <= index <= last:
            first, last = (index + 1, last) if index < head else (first, index - 1)
    return first, last


# ------------------------------------------------------------------ content kinds

def content_subtree(ctx: Context, spec: dict) -> Span | None:
    view, words, bound = ctx.view, ctx.view.sentence.words, ctx.bound
    node = bound[spec["subtree"]]
    first, last, join = view.left[node], view.right[node], spec.get("join", [words[node].deprel])
    subjects, others = ctx.settings["subject_relations"], ctx.settings["other_attribution_relations"]
    named = set(ctx.settings["named_subject_tags"])
    # the parser splits long clauses into sibling clauses: join them, unless the sibling holds a cue word and is the
    # speaker's next act ("…, adding …", "… and called …": no subject of its own) or someone named's attribution
    # ("…, but Kyiv has denied any involvement", "…, which Kyiv denied")
    for sibling in view.related(node, "$++"):
        if words[sibling].deprel not in join or view.left[sibling] != last + 1:
            continue
        if ctx.rules.cue_word(words[sibling].lemma):
            own = [words[child].upos for child in view.children[sibling] if words[child].deprel in subjects]
            if not own or words[sibling].deprel in others and not named.isdisjoint(own):
                continue
        last = view.right[sibling]
    marks, owners = ctx.settings["possessive_marks"], ctx.settings["possessor_tags"]
    while first > 0 and words[first].text in marks and words[first - 1].upos in owners:
        first -= 1  # a possessive the parser cut off: "Kyiv | 's troops"
    for name in spec.get("exclude", []):
        other = bound[name]
        if view.left[other] == first:
            first = view.right[other] + 1
        elif view.right[other] == last:
            last = view.left[other] - 1
    return view.span(first, last, ctx.text)


def content_left_of(ctx: Context, spec: dict) -> Span | None:
    view, words = ctx.view, ctx.view.sentence.words
    edge = ctx.mention[0] if spec["left_of"] == ctx.pattern.speaker else view.left[ctx.bound[spec["left_of"]]]
    while edge < len(words) - 1 and words[edge].upos in ctx.settings["edge_tags"]:
        edge += 1
    return separated(view, 0, edge - 1, spec, ctx)


def content_right_of(ctx: Context, spec: dict) -> Span | None:
    view, words, text = ctx.view, ctx.view.sentence.words, ctx.text
    edge = ctx.mention[1] if spec["right_of"] == ctx.pattern.speaker else view.right[ctx.bound[spec["right_of"]]]
    while edge > 0 and words[edge].upos in ctx.settings["edge_tags"]:
        edge -= 1
    span = separated(view, edge + 1, len(words) - 1, spec, ctx)
    if span and spec.get("through") == "paragraph":  # "PENCE: Well, look. … Donald Trump is on his way."
        end = text.find("\n", span.end)
        span = trimmed(Span(span.start, len(text) if end < 0 else end, ""), text)
    return span


def separated(view: SentenceView, first: int, last: int, spec: dict, ctx: Context) -> Span | None:
    """Words first..last, when punctuation (words of ``edge_tags``) including ``spec['separator']`` (if any)
    sets them apart."""
    words, separator, edge_tags = view.sentence.words, spec.get("separator"), ctx.settings["edge_tags"]
    if separator:
        punctuation = []
        while first <= last and words[last].upos in edge_tags:
            punctuation.append(words[last].text)
            last -= 1
        while first <= last and words[first].upos in edge_tags:
            punctuation.append(words[first].text)
            first += 1
        if separator not in punctuation:
            return None
    return view.span(first, last, ctx.text)


def content_around(ctx: Context, spec: dict) -> Span | None:
    # "The museum, Mr. Obama said, would make visitors ..." or "At the heart of it, according to Ross, was ...":
    # the whole sentence, speaker and cue set off by commas
    view, words, mention_words = ctx.view, ctx.view.sentence.words, ctx.mention
    node, mark = ctx.bound[spec["around"]], ctx.settings["set_off_by"]
    first = min(node, mention_words[0]) if mention_words else node
    last = max(node, mention_words[1] if mention_words else 0)
    last = max([last] + [c for c in view.children[node] if words[c].deprel in ctx.settings["reach"] and c > node])
    last = view.right[last] if last != node else last
    before, after = words[first - 1] if first > 0 else None, words[last + 1] if last + 1 < len(words) else None
    if not (before and after and before.text == mark and after.text == mark and first > 1):
        return None
    return view.span(0, len(words) - 1, ctx.text)


def content_relative(ctx: Context, spec: dict) -> Span | None:
    # "Clinton's Iraq war vote, which she has repeatedly said was a mistake": what she said is of the vote
    view, words = ctx.view, ctx.view.sentence.words
    cue = ctx.bound[ctx.pattern.cue[0]]
    about, last = words[cue].head, view.right[ctx.bound[spec["relative"]]]
    if about < 0:
        return None
    first, left_out = view.left[about], ctx.settings["left_out"]
    while first < about and words[first].deprel in left_out:
        first += 1
    return view.span(first, last, ctx.text)


def content_after(ctx: Context, spec: dict) -> Span | None:
    view, words = ctx.view, ctx.view.sentence.words
    node = ctx.bound[spec["after"]]
    first, skip = node + 1, set(spec.get("skip", []))
    for child in view.children[node]:
        if view.left[child] == first and words[child].deprel in skip:
            first = view.right[child] + 1
    if ctx.settings["finite_clause"] and not opens_clause(words[first:], ctx.settings):
        return None
    return view.span(first, len(words) - 1, ctx.text)


def opens_clause(words: list[Word], settings: dict) -> bool:
    """Do the words start with a clause: a finite verb before any comma, conjunction or relative word?"""
    for word in words:
        if word.upos in settings["clause_breaking_tags"] or has_feat(word, settings["clause_breaking_feats"]):
            return False
        if word.upos in settings["verb_tags"] and has_feat(word, settings["finite_feats"]):
            return True
    return False


def content_quote(ctx: Context, spec: dict) -> Span | None:
    """The quotation right before the cue clause, opening a sentence ("“…,” she said"), or the
    one right after it, introduced by a colon or closing the sentence ("he said: “…”")."""
    clause, sentence, quotes, text, settings = ctx.clause, ctx.view.sentence, ctx.quotes, ctx.text, ctx.settings
    if spec["quote"] == "before":
        before = bisect.bisect_right(quotes, clause.start, key=END)
        if not before:
            return None
        quote = quotes[before - 1]
        gap = text[quote.end:clause.start]
        paragraph_start = text.rfind("\n", 0, quote.start) + 1
        opens = not text[max(paragraph_start, sentence_start(text, quote.start, settings)):quote.start].strip(TRIM)
        # “…,” she said | “….” ― Carla Sanchez (a signature) | “…” the union's president said. (the comma left out,
        # the attribution closing the sentence)
        handed_over = hands_over(settings["handover"], text, quote.start, clause.start) \
            or text[clause.start] in settings["signature_dashes"] or not text[clause.end:sentence.end].strip(TRIM)
        ok = opens and not gap.strip(TRIM) and handed_over
    else:
        after = bisect.bisect_left(quotes, clause.end, key=START)
        quote = quotes[after] if after < len(quotes) else None
        if quote is None:
            return None
        gap = text[clause.end:quote.start]
        if text[clause.end:sentence.end].strip() == ":" and introduces(text, sentence, quote):  # "Cruz said:\n“…”"
            return trimmed(quote, text)
        if quote.start >= sentence.end:  # "Graham asked. “Neither do I.”": the next sentence's
            return None
        closes = quote.end >= sentence.end or not text[quote.end:sentence.end].strip(TRIM)
        ok = not gap.strip(TRIM) and closes or gap.rstrip(TRIM.replace(":", "")).endswith(":") \
            and len(gap.split()) <= settings["colon_gap_words"]
    return trimmed(quote, text) if ok and "\n" not in gap else None


def hands_over(handover: str, text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` (a quotation up to its cue) matches the ``handover`` regex. It is searched from
    the end, which it is about: linear in the quotation's length for a pattern anchored there."""
    return compiled(handover, regex.REVERSE).search(text, start, end, timeout=REGEX_TIMEOUT) is not None


def quote_sides(sentence: Sentence, quotes: list[Span], text: str) -> set[str]:
    """Where ``content_quote`` may find a quotation for a clause of ``sentence``, "before" and "after":
    a necessary condition, worked out once per sentence, so patterns that can find nothing else are not tried."""
    sides = set()
    before = bisect.bisect_right(quotes, sentence.end, key=END)  # the last quotation ending in the sentence or before
    if before and (quotes[before - 1].end >= sentence.start
                   or not text[quotes[before - 1].end:sentence.start].strip(TRIM)):
        sides.add("before")
    after = bisect.bisect_left(quotes, sentence.start, key=START)
    if after < len(quotes) and (quotes[after].start < sentence.end or introduces(text, sentence, quotes[after])):
        sides.add("after")
    return sides


def introduces(text: str, sentence: Sentence, quote: Span) -> bool:
    """Does ``sentence`` end with a colon that ``quote``, in the next paragraph, follows ("Cruz continued:\n“…”")?"""
    return text[sentence.start:sentence.end].rstrip().endswith(":") and not text[sentence.end:quote.start].strip(TRIM)


CONTENT_STEPS: dict[str, Callable[[Context, dict], Span | None]] = {
    "subtree": content_subtree,
    "left_of": content_left_of,
    "right_of": content_right_of,
    "after": content_after,
    "around": content_around,
    "relative": content_relative,
    "quote": content_quote,
}
HOLDS_ATTRIBUTION = frozenset({"around", "relative"})  # content kinds whose content holds speaker and cue


def holds_attribution(quote: Quote) -> bool:
    """Was the quote's content taken by a kind that holds its speaker and cue (its ``content.<kind>`` step)?"""
    return any(step.removeprefix("content.") in HOLDS_ATTRIBUTION for step in quote.steps)


# ------------------------------------------------------------------ after the match

def quote_type(parts: list[Span], quotes: list[Span], settings: dict) -> str:
    """``direct`` when at least ``direct_share`` of the content's parts is inside quotation marks, ``mixed``
    when some is, else ``indirect``."""
    quoted = sum(min(q.end, part.end) - max(q.start, part.start)
                 for part in parts for q in overlapping(quotes, part.start, part.end))
    if quoted >= settings["direct_share"] * sum(part.end - part.start for part in parts):
        return "direct"
    return "mixed" if quoted else "indirect"


def channel_modifiers(view: SentenceView, cue_index: int, content: Span, settings: dict) -> list[str]:
    """The cue's modifiers that can name a channel ("said *on the Telegram messaging service*")."""
    words, prefixes = view.sentence.words, tuple(settings["modifier_relations"])
    return [
        " ".join(w.text for w in words[view.left[c]: view.right[c] + 1])
        for c in view.children[cue_index]
        if words[c].deprel.startswith(prefixes) and not (content.start <= words[c].start < content.end)
    ]


# ------------------------------------------------------------------ article steps

@dataclass
class Scene:
    """One article once every sentence is matched, as the article steps see it."""

    parsed: ParsedArticle
    quotes: list[Span]  # the article's quotations
    marks: QuotationMarks
    rules: RuleSet

    @property
    def text(self) -> str:
        return self.parsed.article.text


def untangle(scene: Scene, found: list[Quote]) -> list[Quote]:
    """Settle cues that sit inside each other's content in one sentence.

    Two quotes holding each other's cue come from a misparse: keep the longer content.
    A content before its cue that holds another attribution's trailing "…, the spokesman added"
    is not reported speech, unless its cue is one of ``reporting_cues`` ("“…,” he told Flake, according to
    officials"); one that holds a whole attribution ("Putin has pledged to …, he said") nests it. A content
    running on into a second cue that shares its speaker ("said … but claimed …") ends before that cue, and
    before the ``conjunctions`` that join them.
    """
    def inside(span: Span | None, outer: Span) -> bool:
        return span is not None and outer.start <= span.start and span.end <= outer.end

    text, settings = scene.text, scene.rules.settings["untangle"]
    reporting = frozenset(settings["reporting_cues"])
    joining = regex.compile(r"(?:\W|\b(?:" + "|".join(map(regex.escape, settings["conjunctions"])) + r")\b)*$")
    dropped: set[int] = set()
    by_sentence: dict[int, list[int]] = {}  # only quotes of one sentence are compared: linear in the article
    for i, q in enumerate(found):
        by_sentence.setdefault(q.sentence_index, []).append(i)
    for i, j in ((i, j) for indexes in by_sentence.values() for i in indexes for j in indexes):
        q, r = found[i], found[j]
        if i == j or i in dropped or j in dropped:
            continue
        if inside(r.cue, q.content) and inside(q.cue, r.content):
            dropped.add(i if len(q.content.text) < len(r.content.text) else j)
        elif inside(r.cue, q.content) and q.cue and q.content.end <= q.cue.start and r.cue \
                and r.content.end <= r.cue.start and q.cue_lemma not in reporting:
            dropped.add(i)  # "“…,” the spokesman added, with the channel claiming …": not q's words
        elif inside(r.cue, q.content) and r.content.start > r.cue.start and not inside(r.speaker_span, q.content):
            cut = joining.sub("", text[q.content.start:r.cue.start])
            if cut.strip():
                q.content = trimmed(Span(q.content.start, q.content.start + len(cut), ""), text) or q.content
                q.steps.append("untangle")
    return [q for i, q in enumerate(found) if i not in dropped]


def complete_quotes(scene: Scene, found: list[Quote]) -> list[Quote]:
    """Contents that start or stop inside a quotation take the whole of it, unless another quote's content or a
    cue lies in what they would take."""
    text, quotes = scene.text, scene.quotes
    contents, cues = Spans(found, attrgetter("content")), Spans(found, attrgetter("cue"))
    for quote in found:
        content = quote.content
        start, end = content.start, content.end
        opened = overlapping(quotes, start, start + 1)
        if opened and opened[0].start < start and text[opened[0].start:start].strip(TRIM):
            start = opened[0].start
        closed = overlapping(quotes, end - 1, end)
        if closed and end < closed[-1].end and text[end:closed[-1].end].strip(TRIM):
            end = trimmed(Span(end, closed[-1].end, ""), text).end
        taken = [stretch for stretch in ((start, content.start), (content.end, end)) if stretch[0] < stretch[1]]
        if not taken or any(contents.overlap(*stretch, quote) or cues.overlap(*stretch) for stretch in taken):
            continue
        parts = list(quote.parts)
        parts[0] = Span(start, parts[0].end, text[start:parts[0].end])
        parts[-1] = Span(parts[-1].start, end, text[parts[-1].start:end])
        quote.content_parts = parts if len(parts) > 1 else []
        quote.content = Span(start, end, text[start:end])
        quote.type = quote_type(quote.parts, quotes, scene.rules.settings["quote_type"])
        quote.steps.append("complete")
        contents.grew(quote)
    return found


def continue_quotes(scene: Scene, found: list[Quote]) -> list[Quote]:
    """A quotation interrupted by its attribution goes on after it, in the same paragraph:
    “A,” she said. “B.” and “A,” Tester said, referring to X, “B.” are one quote, A to B."""
    text, quotes = scene.text, scene.quotes
    starts = [s.start for s in scene.parsed.sentences]
    contents = Spans(found, attrgetter("content"))
    cue_starts = sorted(q.cue.start for q in found if q.cue)
    for quote in found:
        if quote.cue is None:
            continue
        while True:
            clause_end = max(quote.content.end, quote.cue.end, quote.speaker_span.end if quote.speaker_span else 0)
            next_index = bisect.bisect_left(quotes, clause_end, key=START)
            following = quotes[next_index] if next_index < len(quotes) else None
            # another quote's content holds the quotation, or another cue comes first
            if following is None or not continues(scene, starts, quote, clause_end, following) or contents.overlap(
                    following.start, following.end, quote) or bisect.bisect_left(cue_starts, clause_end) \
                    < bisect.bisect_left(cue_starts, following.start):
                break
            end = trimmed(following, text)
            if end is None:
                break
            quote.content_parts = [*quote.parts, end]
            quote.content = Span(quote.content.start, end.end, text[quote.content.start:end.end])
            quote.type = quote_type(quote.parts, quotes, scene.rules.settings["quote_type"])
            quote.steps.append("continue")
            contents.grew(quote)
    return found


class Spans:
    """One span of each of an article's quotes (``part``: its content, or its cue) by where it started, to ask in
    log time whether any overlaps a stretch. A span may grow at either end: say so with ``grew``."""

    def __init__(self, found: list[Quote], part: Callable[[Quote], Span | None]):
        self.part = part
        self.quotes = sorted((q for q in found if part(q)), key=lambda q: part(q).start)
        self.starts = [part(q).start for q in self.quotes]
        self.longest = max((part(q).end - part(q).start for q in self.quotes), default=0)
        self.indexed = {id(q): start for q, start in zip(self.quotes, self.starts)}
        self.moved_back = 0  # how far a span's start has moved before where it was indexed, at most

    def grew(self, quote: Quote) -> None:
        span = self.part(quote)
        self.longest = max(self.longest, span.end - span.start)
        self.moved_back = max(self.moved_back, self.indexed[id(quote)] - span.start)

    def overlap(self, start: int, end: int, besides: Quote | None = None) -> bool:
        """Does a span (but that of ``besides``) overlap start..end?"""
        first = bisect.bisect_left(self.starts, start - self.longest)  # one indexed earlier ends before ``start``
        last = bisect.bisect_left(self.starts, end + self.moved_back)
        return any(q is not besides and self.part(q).start < end and start < self.part(q).end
                   for q in self.quotes[first:last])


def continues(scene: Scene, sentence_starts: list[int], quote: Quote, clause_end: int, quotation: Span) -> bool:
    """Does ``quotation`` go on ``quote``, attributed up to ``clause_end``? In the same paragraph, with no quotation
    mark between, it is in the attribution sentence (", referring to the excuse, “…”"; not when the content
    holds its attribution, and so its sentence: "what it said was a fighter … over the “Z” symbol"), opens the
    next one, or holds at least ``later_words`` words in a later one; and no sentence from the attribution's to
    the quotation's has a cue word of its own (", an economist at the institute. She has advised three governors.
    “…”")."""
    text = scene.text
    gap = text[clause_end:quotation.start]
    if "\n" in gap or scene.marks.any.search(gap.strip(TRIM)):
        return False
    attribution = bisect.bisect_right(sentence_starts, clause_end - 1) - 1
    following = bisect.bisect_right(sentence_starts, quotation.start) - 1
    if following == attribution:
        return not holds_attribution(quote)
    opens_next = following == attribution + 1 and not text[sentence_starts[following]:quotation.start].strip(TRIM)
    return (opens_next or len(quotation.text.split()) >= scene.rules.settings["continue"]["later_words"]) and not any(
        has_own_cue(sentence, scene.quotes, scene.rules)
        for sentence in scene.parsed.sentences[attribution + 1:following + 1])


def floating_quotes(scene: Scene, found: list[Quote]) -> list[Quote]:
    """``found`` and the quotations that open a paragraph after an attributed sentence, with no cue of their own."""
    parsed, quotes, rules, rule = scene.parsed, scene.quotes, scene.rules, scene.rules.floating
    if rule is None:
        return found
    text, sentences = parsed.article.text, parsed.sentences
    attributed = {q.sentence_index for q in found if q.speaker_span is not None}
    contents, starts = Spans(found, attrgetter("content")), [s.start for s in sentences]
    floating: list[Quote] = []
    for quote in quotes:
        if contents.overlap(quote.start, quote.end):
            continue
        around = bisect.bisect_right(starts, quote.start) - 1
        sentence = sentences[around] if around >= 0 and quote.start < sentences[around].end else None
        content = trimmed(quote, text)
        if (sentence is None or content is None or len(content.text.split()) < rule.min_words
                or text[text.rfind("\n", 0, quote.start) + 1:quote.start].strip(TRIM)
                or has_own_cue(sentence, quotes, rules)):
            continue
        if sentence.index - 1 in attributed | {q.sentence_index for q in floating}:
            floating.append(Quote(parsed.article.id, sentence.index, rule.id, "direct", None, None,
                                  content, None, category="speech", steps=["floating"]))
    return found + floating


ARTICLE_STEPS: dict[str, Callable[[Scene, list[Quote]], list[Quote]]] = {
    "untangle": untangle,
    "complete": complete_quotes,
    "continue": continue_quotes,
    "floating": floating_quotes,
}


def has_own_cue(sentence: Sentence, quotes: list[Span], rules: RuleSet) -> bool:
    """Does a cue word outside quotation marks say who speaks in this sentence, found by a pattern or not?"""
    return any(rules.cue_word(w.lemma) and not overlapping(quotes, w.start, w.start + 1) for w in sentence.words)


# ------------------------------------------------------------------ text helpers

def sentence_start(text: str, offset: int, settings: dict) -> int:
    """Where the sentence around ``offset`` starts, judged from the text alone (after one of ``sentence_breaks``)."""
    starts, ends = sentence_marks(text, tuple(settings["sentence_breaks"]))
    last = bisect.bisect_right(ends, offset) - 1
    return starts[last] + 1 if last >= 0 else 0


@functools.lru_cache(maxsize=4)
def sentence_marks(text: str, breaks: tuple[str, ...]) -> tuple[list[int], list[int]]:
    """Where each of the ``breaks`` that end a sentence starts and ends in ``text``: found once per article, so
    that ``sentence_start`` looks one up instead of searching the text before it."""
    marks = [match.span() for match in compiled("|".join(map(regex.escape, breaks))).finditer(text)]
    return [start for start, _ in marks], [end for _, end in marks]

