"""Why a gold attribution was missed: a cause read from the gold spans, our parse and the rules' cue words.

Causes, tried in this order:

- ``no-cue``: the cue is punctuation (``:``, ``―``) or none of its words can anchor a pattern;
- ``tokenize``: the tokenizer cut a word of the attribution into letters or hid the cue
  inside a longer word, or the segmenter broke the attribution where no sentence ends;
- ``span``: a prediction shares the cue, but its source or content disagrees with gold
  (``evaluate``, which sees the predictions, says how);
- ``parse``: the tagger took an inflected cue verb for a noun or adjective, or cue, source
  and content are not joined the way UD annotates the construction;
- ``rule``: the cue is covered and the parse plausible, yet no pattern matched.

The UD check is generous: only a configuration that no UD-correct parse of an attribution
gives counts as a parser error. Everything here is in source-file offsets.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace

import regex

from ..records import ParsedArticle, Sentence, Word
from ..rulelang.syntax import ancestors

Fragments = tuple[tuple[int, int], ...]
CueAnchor = Callable[[Word], bool]

CAUSES = ("no-cue", "tokenize", "span", "parse", "rule")

# A verb's subject, or its agent in the passive, is its source.
SUBJECT = frozenset({"nsubj", "nsubj:pass", "nsubj:outer", "csubj", "csubj:pass", "obl:agent"})
# A verb over these relations may leave its subject to its head: "said …, adding that …", "declined to say".
SHARES_SUBJECT = frozenset({"conj", "xcomp", "advcl"})
# A cue's dependent that can be its source: "Trump's claim", "the claim by Trump", "a White House statement",
# "mentioned in the race".
SOURCE_OF_CUE = frozenset({"nmod:poss", "nmod", "compound", "obl"})
# A verb's object, when it controls the cue ("help people understand") or the cue has a subject of its own
# ("That worries environmentalists").
OBJECT = frozenset({"obj", "iobj"})
# A source named again by its dependent: "the spokesman, Sean Spicer, said", "Trump and Pence said".
RESTATES = frozenset({"appos", "conj", "flat"})
# A cue's dependent that can be its content: "said (that) C", "announced C", "warned of C", "C was announced",
# "think so", "C worries S".
CONTENT_OF_CUE = frozenset({"ccomp", "xcomp", "obj", "iobj", "obl", "nsubj", "csubj", "csubj:pass", "nsubj:pass",
                            "parataxis", "advcl", "acl", "nmod", "appos", "advmod"})
# A cue attached to its content: "C, S said" (parataxis), "C, as S said" (advcl), "numbers anyone can understand".
CUE_OF_CONTENT = frozenset({"parataxis", "advcl", "acl:relcl"})
# A relative clause or participle on a word of its source: "officials who said", "a report saying".
CUE_ON_SOURCE = frozenset({"acl", "acl:relcl"})
# What makes a verb a clause of its own, tense or copula: "[will] seek", "[are] acceptable".
AUXILIARY = frozenset({"aux", "aux:pass", "cop"})
# A cue that is the case marker of its source: "according to S".
PREPOSITIONAL_CUES = frozenset({"according"})
NOMINAL = frozenset({"NOUN", "PROPN", "PRON", "NUM", "X"})

WORD_CHARACTER = regex.compile(r"\w")
WRITTEN_WORD = regex.compile(r"\S+")
SENTENCE_END = regex.compile(r"[.!?…][\"'”’»)\]]*$")
LOWERCASE_START = regex.compile(r"^[\"'“‘«(\[]*\p{Ll}")
TITLE_ABBREVIATION = regex.compile(r"^(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|Adm|Prof|Rev|Hon|St|No)\.$")


@dataclass(frozen=True)
class Diagnosis:
    cause: str
    detail: str


@dataclass(frozen=True)
class _Located:
    """A word of the parse with its sentence and its characters in the source file."""

    sentence: Sentence
    word: Word
    start: int
    end: int


class ParsedText:
    """An article's parse over its source file: the words under gold spans, the sentence breaks."""

    def __init__(self, parsed: ParsedArticle, source_text: str):
        to_source = parsed.article.source_offset
        self.text = source_text
        self.words = [[_Located(sentence, word, to_source(word.start), to_source(word.end - 1) + 1)
                       for word in sentence.words] for sentence in parsed.sentences]
        self.sentence_starts = [words[0].start for words in self.words]

    def under(self, fragments: Fragments) -> list[_Located]:
        """The words (punctuation left out) that the fragments touch, in reading order."""
        return [located for start, end in fragments for words in self._sentences(start, end) for located in words
                if located.start < end and located.end > start and located.word.upos != "PUNCT"]

    def _sentences(self, start: int, end: int) -> list[list[_Located]]:
        """The sentences that may hold words between ``start`` and ``end``."""
        first = max(bisect.bisect_right(self.sentence_starts, start) - 1, 0)
        return self.words[first:bisect.bisect_left(self.sentence_starts, end)]

    def letter_split(self, start: int, end: int) -> str | None:
        """A written word between ``start`` and ``end`` that the tokenizer cut into letters ("S c o t t ' s")."""
        for words in self._sentences(start, end):
            for first, second in zip(words, words[1:]):
                if (first.end == second.start and start < second.end and first.start < end
                        and all(len(w.word.text) == 1 and w.word.text.isalpha() for w in (first, second))):
                    return WRITTEN_WORD.match(self.text, self.text.rfind(" ", 0, first.start) + 1)[0]
        return None

    def cut_word(self, fragments: Fragments) -> _Located | None:
        """A word that a fragment edge cuts with letters or digits on both sides (``Kyiv|'s`` is not one)."""
        for edge in (offset for fragment in fragments for offset in fragment):
            for located in self.under(((edge - 1, edge + 1),)):
                inside, outside = sorted((self.text[located.start:edge], self.text[edge:located.end]), key=len)
                if located.start < edge < located.end and all(map(WORD_CHARACTER.search, (inside, outside))):
                    return located
        return None

    def false_break(self, start: int, end: int) -> Word | None:
        """The last word of a sentence that the segmenter ended between ``start`` and ``end`` where no sentence ends."""
        for index in range(max(bisect.bisect_right(self.sentence_starts, start), 1), len(self.words)):
            previous, following = self.words[index - 1], self.words[index]
            if following[0].start >= end:
                break
            same_paragraph = previous[-1].sentence.paragraph == following[0].sentence.paragraph
            if same_paragraph and not self._ends(previous, following):
                return previous[-1].word
        return None

    def _ends(self, previous: list[_Located], following: list[_Located]) -> bool:
        """A sentence ends at the break: a full stop that is no title's, and no lowercase word after it."""
        ending = self.text[previous[0].start:previous[-1].end]
        words = [located.word.text for located in previous if located.word.upos != "PUNCT"]
        return (SENTENCE_END.search(ending) is not None and not (words and TITLE_ABBREVIATION.match(words[-1]))
                and not LOWERCASE_START.match(self.text[following[0].start:following[-1].end]))


def explain_miss(gold: Mapping[str, Fragments], parse: ParsedText, anchors: CueAnchor,
                 disagreement: str | None = None) -> Diagnosis:
    """The cause of missing the gold attribution whose trimmed spans are ``gold`` (cue, source, content).

    ``disagreement``: how a prediction at the gold cue disagrees with gold, when one does.
    """
    cue_text = " ".join(parse.text[start:end] for start, end in gold["cue"])
    if not WORD_CHARACTER.search(cue_text):
        return Diagnosis("no-cue", f"punctuation {cue_text.strip()!r}")
    if problem := _tokenize_problem(gold, parse):
        return Diagnosis("tokenize", problem)
    if disagreement is not None:
        return Diagnosis("span", disagreement)
    located_cue = parse.under(gold["cue"])
    anchored = [located for located in located_cue if anchors(located.word)]
    if not anchored:
        return _uncovered_cue(gold["cue"], parse, anchors)
    sentence = anchored[0].sentence
    cue = words_in(sentence, located_cue, ())
    source = words_in(sentence, parse.under(gold["source"]), _indexes(cue))
    content = words_in(sentence, parse.under(gold["content"]), _indexes(cue + source))
    if gold["source"] and not source:
        return Diagnosis("rule", "source in another sentence")
    if not content:
        return Diagnosis("rule", "content in another sentence")
    anchor = top(sentence, [located.word for located in anchored if located.sentence is sentence])
    if problem := _parse_problem(sentence, anchor, cue, source, content):
        return Diagnosis("parse", problem)
    return Diagnosis("rule", _configuration(sentence, anchor, source, content))


def _uncovered_cue(cue: Fragments, parse: ParsedText, anchors: CueAnchor) -> Diagnosis:
    """No pattern anchors on the cue: the tokenizer hid it in a longer word, the tagger took an inflected verb for
    another part of speech ("wrote" as a noun), or the rules do not cover it."""
    if cut := parse.cut_word(cue):  # "shows" inside the token "Post–shows"
        return Diagnosis("tokenize", f"the cue is part of the word {cut.word.text!r}")
    words = [located.word for located in parse.under(cue)]
    for word in words:
        if anchors(replace(word, upos="VERB")) and _inflected(word):
            return Diagnosis("parse", f"{word.text!r} tagged {word.upos}, not VERB")
    head = top(parse.under(cue)[0].sentence, words)
    return Diagnosis("no-cue", f"{head.lemma} ({head.upos})")


def _inflected(word: Word) -> bool:
    """The word differs from its lemma by more than a plural ending: "wrote", "argued" (not "claims")."""
    form = word.text.lower()
    return form != word.lemma and form not in (word.lemma + "s", word.lemma + "es", word.lemma[:-1] + "ies")


def _tokenize_problem(gold: Mapping[str, Fragments], parse: ParsedText) -> str | None:
    """A word cut into letters, a sentence broken mid-way, or no word under the cue."""
    fragments = [fragment for field in gold.values() for fragment in field]
    start, end = min(start for start, _ in fragments), max(end for _, end in fragments)
    if written := parse.letter_split(start, end):
        return f"{written!r} cut into letters"
    if last := parse.false_break(start, end):
        return f"sentence broken after {last.text!r}"
    if not parse.under(gold["cue"]):
        return "no word of the parse under the cue"
    return None


def _indexes(words: list[Word]) -> set[int]:
    return {word.index for word in words}


def words_in(sentence: Sentence, located: list[_Located], taken: Collection[int]) -> list[Word]:
    return [item.word for item in located if item.sentence is sentence and item.word.index not in taken]


def _depth(sentence: Sentence, word: Word) -> int:
    return len(ancestors(sentence, word.index))


def _tops(sentence: Sentence, words: list[Word]) -> list[Word]:
    """The words of a span whose head lies outside it, highest in the tree first."""
    inside = {word.index for word in words}
    return sorted((word for word in words if word.head not in inside), key=lambda word: _depth(sentence, word))


def top(sentence: Sentence, words: list[Word]) -> Word:
    return _tops(sentence, words)[0]


def _parse_problem(sentence: Sentence, anchor: Word, cue: list[Word], source: list[Word], content: list[Word]
                   ) -> str | None:
    """What in the parse no UD-correct attribution looks like, or None.

    ``anchor`` is the cue word a pattern would anchor on; source and content may hang
    from any word of the cue ("called on S to C", "continued to plot against C").
    """
    if anchor.text.lower() in PREPOSITIONAL_CUES:
        return _according_to_problem(sentence, anchor, source, content)
    if source and not any(_source_fits(sentence, word, source) for word in cue):
        return f"source {_describe(sentence, top(sentence, source))}, not the subject of {anchor.text!r}"
    if not any(_content_fits(sentence, word, content) for word in cue):
        return f"content {_describe(sentence, top(sentence, content))}, not joined to {anchor.text!r}"
    if split := _subject_taken_for_object(sentence, cue, content):
        subject, verb = split
        return f"content split: {subject.text!r} obj and {verb.text!r} conj of {sentence.words[verb.head].text!r}"
    return None


def _subject_taken_for_object(sentence: Sentence, cue: list[Word], content: list[Word]) -> tuple[Word, Word] | None:
    """"said [the US]obj and [will seek]conj …": the reported clause's subject parsed as the cue's object, its verb
    (with an auxiliary or copula: a clause, not "want X and suggest Y") as a subjectless conjunct of the cue."""
    attached = [word for word in _tops(sentence, content) if word.head in _indexes(cue)]
    objects = [word for word in attached if word.deprel == "obj"]
    verbs = [word for word in attached if word.deprel == "conj" and not _has_dependent(sentence, word, SUBJECT)
             and _has_dependent(sentence, word, AUXILIARY)]
    if objects and verbs and objects[0].index < verbs[0].index:
        return objects[0], verbs[0]
    return None


def _has_dependent(sentence: Sentence, word: Word, deprels: Collection[str]) -> bool:
    return any(other.head == word.index and other.deprel in deprels for other in sentence.words)


def _according_to_problem(sentence: Sentence, cue: Word, source: list[Word], content: list[Word]) -> str | None:
    """"According to S, C": the cue is the case marker of a nominal S, and S an oblique of C."""
    if not source or cue.deprel != "case" or cue.head != top(sentence, source).index:
        return f"{_describe(sentence, cue)}, not case of the source"
    holder = sentence.words[cue.head]
    if holder.upos not in NOMINAL:
        return f"source {holder.text!r} is {holder.upos}, not a noun or pronoun"
    if holder.head not in {word.index for word in content}:
        return f"source {_describe(sentence, holder)}, not a dependent of the content"
    return None


def _source_fits(sentence: Sentence, cue: Word, source: list[Word]) -> bool:
    """The source's head, or the word it restates ("the spokesman, Sean Spicer"), is where UD puts a source."""
    head, inside = top(sentence, source), _indexes(source)
    for _ in sentence.words:  # bounded: an odd parse may hold a cycle
        if _names_source(sentence, cue, head, inside):
            return True
        if head.deprel not in RESTATES or head.head < 0:
            return False
        head = sentence.words[head.head]
    return False


def _names_source(sentence: Sentence, cue: Word, head: Word, inside: set[int]) -> bool:
    for verb in _subject_sharers(sentence, cue):
        if head.head == verb.index and head.deprel in SUBJECT:
            return True
        if verb.deprel == "xcomp" and head.head == verb.head and head.deprel in OBJECT:
            return True
        if (verb.head in inside or verb.head == head.index) and verb.deprel in CUE_ON_SOURCE:
            return True
    if head.head != cue.index:
        # "S issued a statement", "S made the claim": the subject of the verb the noun cue depends on
        return cue.upos in ("NOUN", "PROPN") and head.head == cue.head and head.deprel in SUBJECT
    return head.deprel in SOURCE_OF_CUE or head.deprel in OBJECT and _has_dependent(sentence, cue, SUBJECT)


def _subject_sharers(sentence: Sentence, cue: Word) -> list[Word]:
    """The cue and the verbs it may take its subject from."""
    chain = [cue]
    while chain[-1].deprel in SHARES_SUBJECT and chain[-1].head >= 0 and len(chain) < len(sentence.words):
        chain.append(sentence.words[chain[-1].head])
    return chain


def _content_fits(sentence: Sentence, cue: Word, content: list[Word]) -> bool:
    inside = {word.index for word in content}
    if cue.head in inside and cue.deprel in CUE_OF_CONTENT:
        return True
    return any(word.head == cue.index and word.deprel in CONTENT_OF_CUE for word in _tops(sentence, content))


def _describe(sentence: Sentence, word: Word) -> str:
    if word.head < 0:
        return f"{word.text!r} is the root"
    return f"{word.text!r} is {word.deprel} of {sentence.words[word.head].text!r}"


def _configuration(sentence: Sentence, cue: Word, source: list[Word], content: list[Word]) -> str:
    """How the parse joins the parts, for a rule author: ``say/VERB root; source nsubj; content ccomp``."""
    parts = [f"{cue.lemma}/{cue.upos} {cue.deprel}"]
    if source:
        parts.append(f"source {top(sentence, source).deprel}")
    parts.append(f"content {top(sentence, content).deprel}")
    return "; ".join(parts)
