"""Scoring of extracted quotes against gold: PolNeAR (brat standoff) and the seeds ``gold.yml``.

PolNeAR scores follow ``shared/eval/polnear/README.md``. Everything is compared in
source-file offsets, a span being a tuple of ``(start, end)`` fragments (``()`` when
absent). Choices the README leaves open:

- Trimming: each fragment loses spaces, quotation marks and punctuation at both edges
  (a discontinuous span's inner edges are ends too), and fragments that only such
  characters separate are joined: brat splits one stretch at sentence and paragraph
  breaks. A span of punctuation only, such as the cue ``:``, is kept as it is.
- Tokens: words and single punctuation marks (``\\w+|[^\\w\\s]``) of the trimmed span.
- A predicted content is its parts (an interrupted quotation's quoted parts:
  ``"A," he said, "B"`` scores as the two fragments PolNeAR annotates), less the
  quote's own cue and speaker spans (gold content never overlaps its own cue or source).
  A floating quotation (a paragraph continuing the speaker of the sentence before it,
  stored as a quote of its own without a cue) is, as PolNeAR annotates it, a further
  content fragment of the attribution it continues (``predicted_attributions``).
- One-to-one matching, per article: candidate (gold, predicted) pairs are taken
  greedily by decreasing weight, each gold and each prediction at most once. Exact:
  pairs of equal trimmed spans. Overlap: pairs sharing tokens, weighed by shared
  tokens, ties to the tighter pair (fewer tokens in all), then reading order.
  Attribution: pairs meeting the README's criterion, weighed likewise over cue,
  source and content together; a gold attribution without a cue (3 of 19,834 in
  train, none in dev) can never be found.
- SPEECH: a gold attribution or a prediction is in it when a word of its cue is in
  ``speech_cues.txt``; a prediction without a cue is not.
- Brat ``E`` lines with neither cue nor content (an empty duplicate in dev) are
  skipped; ``Content2`` arguments join the content.
- Each false negative gets a cause (``diagnose``), read from the gold spans, the parse, the
  rules' cue words and how an unmatched prediction at its cue, if any, disagrees.
"""

from __future__ import annotations

import bisect
import json
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import regex
import yaml

from ..records import Article, ParsedArticle, Quote, Span
from .diagnose import CAUSES, CueAnchor, Diagnosis, Fragments, ParsedText, explain_miss

Predictions = Mapping[str, tuple[ParsedArticle, list[Quote]]]

FIELDS = ("cue", "source", "content")
MODES = ("exact", "overlap")
SUBSETS = ("ALL", "SPEECH")
GOLD_KINDS = ("polnear", "seeds")
SPEECH_CUES_FILE = "speech_cues.txt"
TOP_CUES = 30
CUE_COLUMNS = ("cue", "gold", "found", "recall")
RULE_COLUMNS = ("rule", "predicted", "correct", "precision")
CAUSE_COLUMNS = ("cause", "ALL", "ALL share", "SPEECH", "SPEECH share")

EDGE_PUNCTUATION = set("\"'`“”‘’«»„.,;:!?…—–-")
TOKEN = regex.compile(r"\w+|[^\w\s]")
WORD = regex.compile(r"\w+")
BRAT_SPAN = regex.compile(r"(T\d+)\t\S+ (\d+ \d+(?:;\d+ \d+)*)\t")
BRAT_EVENT = regex.compile(r"(E\d+)\t(.*)")
BRAT_ROLES = {"Cue": "cue", "Source": "source", "Content": "content", "Content2": "content"}


# ---------------------------------------------------------------- PolNeAR gold


@dataclass(frozen=True)
class Attribution:
    """One attribution in source-file offsets. ``label``: the brat ``E`` id, or the rule id of a prediction."""

    label: str
    cue: Fragments
    source: Fragments
    content: Fragments


@dataclass
class GoldDocument:
    id: str
    path: Path
    text: str
    attributions: list[Attribution]


def read_brat(folder: str | Path) -> list[GoldDocument]:
    """The articles of ``folder/text`` with the attributions of their alphabetically first ``.ann``."""
    folder = Path(folder)
    first_ann: dict[str, Path] = {}
    for ann in sorted((folder / "attributions").glob("*.ann")):
        first_ann.setdefault(ann.stem.rsplit("_", 1)[0], ann)
    documents = []
    for text_path in sorted((folder / "text").glob("*.txt")):
        ann = first_ann.get(text_path.stem)
        attributions = _read_ann(ann.read_text(encoding="utf-8")) if ann else []
        text = text_path.read_bytes().decode("utf-8")  # no newline translation: brat offsets index the file as is
        documents.append(GoldDocument(text_path.stem, text_path, text, attributions))
    return documents


def _read_ann(ann: str) -> list[Attribution]:
    """Attributions of one ``.ann``; other lines (notes, span texts run onto a new line) are skipped."""
    spans: dict[str, Fragments] = {}
    events: list[tuple[str, list[str]]] = []
    for line in ann.splitlines():
        if span := BRAT_SPAN.match(line):
            spans[span[1]] = tuple(tuple(map(int, piece.split())) for piece in span[2].split(";"))
        elif event := BRAT_EVENT.match(line):
            events.append((event[1], event[2].split()))
    attributions = []
    for event_id, arguments in events:
        parts = {name: () for name in FIELDS}
        for argument in arguments:
            role, span_id = argument.split(":")
            if role in BRAT_ROLES:
                parts[BRAT_ROLES[role]] = tuple(sorted(parts[BRAT_ROLES[role]] + spans[span_id]))
        if parts["cue"] or parts["content"]:
            attributions.append(Attribution(event_id, **parts))
    return attributions


def read_speech_cues(path: str | Path) -> frozenset[str]:
    """The SPEECH word list: one word a line, ``#`` comments."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def find_speech_cues(start: Path) -> Path:
    """The ``speech_cues.txt`` nearest above ``start`` (the corpus root, for PolNeAR's layout)."""
    for folder in start.resolve().parents:
        if (folder / SPEECH_CUES_FILE).is_file():
            return folder / SPEECH_CUES_FILE
    raise FileNotFoundError(f"no {SPEECH_CUES_FILE} above {start}")


def cue_words(cue_text: str) -> list[str]:
    """Words of a cue as the SPEECH definition reads them: lowercased, punctuation other than ':' stripped."""
    return regex.findall(r"\w+|:", regex.sub(r"[^\w\s:]", "", cue_text.lower()))


# ---------------------------------------------------------------- spans in one document


class _Text:
    """A source text and its tokens, turning spans into trimmed fragments and token sets."""

    def __init__(self, text: str):
        self.text = text
        tokens = [match.span() for match in TOKEN.finditer(text)]
        self.token_starts = [start for start, _ in tokens]
        self.token_ends = [end for _, end in tokens]

    def trim(self, fragments: Fragments) -> Fragments:
        """Fragments without edge characters, joined where only edge characters separate them."""
        trimmed: list[tuple[int, int]] = []
        for start, end in fragments:
            while start < end and self._is_edge(start):
                start += 1
            while end > start and self._is_edge(end - 1):
                end -= 1
            if start == end:
                continue
            if trimmed and all(self._is_edge(offset) for offset in range(trimmed[-1][1], start)):
                trimmed[-1] = (trimmed[-1][0], max(end, trimmed[-1][1]))
            else:
                trimmed.append((start, end))
        return tuple(trimmed) or fragments

    def _is_edge(self, offset: int) -> bool:
        return self.text[offset].isspace() or self.text[offset] in EDGE_PUNCTUATION

    def tokens(self, fragments: Fragments) -> frozenset[int]:
        """Indexes of the tokens that the fragments touch."""
        indexes: set[int] = set()
        for start, end in fragments:
            first = bisect.bisect_right(self.token_ends, start)
            indexes.update(range(first, bisect.bisect_left(self.token_starts, end)))
        return frozenset(indexes)

    def show(self, fragments: Fragments) -> str:
        return " … ".join(" ".join(self.text[start:end].split()) for start, end in fragments)

    def paragraph(self, offset: int) -> str:
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", offset)
        return " ".join(self.text[start : end if end >= 0 else len(self.text)].split())


@dataclass
class _Scorable:
    """An attribution with, per field, its trimmed span (exact key) and its tokens."""

    attribution: Attribution
    exact: dict[str, Fragments]
    tokens: dict[str, frozenset[int]]
    speech: bool


def _scorable(text: _Text, attribution: Attribution, speech_cues: Collection[str]) -> _Scorable:
    exact = {name: text.trim(getattr(attribution, name)) for name in FIELDS}
    cue_text = " ".join(text.text[start:end] for start, end in attribution.cue)
    speech = any(word in speech_cues for word in cue_words(cue_text))
    return _Scorable(attribution, exact, {name: text.tokens(exact[name]) for name in FIELDS}, speech)


def predicted_attributions(article: Article, quotes: list[Quote]) -> list[Attribution]:
    """``quotes`` in PolNeAR's scheme, in reading order. A quote without a cue (a floating quotation: a paragraph
    continuing the speaker of the sentence before it) is PolNeAR's further content fragment of the attribution it
    continues, that of the last quote with a speaker in the sentence before it; with none, it stays a quote."""
    attributions: list[Attribution] = []
    continued: dict[int, int] = {}  # sentence index → the attribution a floating quotation there continues
    for quote in sorted(quotes, key=lambda q: q.sentence_index):
        attribution = predicted_attribution(article, quote)
        owner = continued.get(quote.sentence_index - 1) if quote.cue is None else None
        if owner is not None:
            whole = attributions[owner]
            attributions[owner] = replace(whole, content=tuple(sorted(whole.content + attribution.content)))
            continued[quote.sentence_index] = owner
            continue
        attributions.append(attribution)
        if quote.speaker_span is not None:
            continued[quote.sentence_index] = len(attributions) - 1
    return attributions


def predicted_attribution(article: Article, quote: Quote) -> Attribution:
    """A quote in source-file offsets, its content without its own cue and speaker spans."""
    cue = _source_fragments(article, quote.cue)
    source = _source_fragments(article, quote.speaker_span)
    parts = tuple(fragment for part in quote.parts for fragment in _source_fragments(article, part))
    content = _without(parts, sorted(cue + source))
    return Attribution(quote.rule_id, cue, source, content)


def _source_fragments(article: Article, span: Span | None) -> Fragments:
    if span is None or span.end <= span.start:
        return ()
    return ((article.source_offset(span.start), article.source_offset(span.end - 1) + 1),)


def _without(fragments: Fragments, holes: list[tuple[int, int]]) -> Fragments:
    kept = []
    for start, end in fragments:
        for hole_start, hole_end in holes:
            if hole_start < end and hole_end > start:
                if hole_start > start:
                    kept.append((start, hole_start))
                start = max(start, hole_end)
        if start < end:
            kept.append((start, end))
    return tuple(kept)


def attribution_matches(text: str, gold: list[Attribution], predicted: list[Attribution], one_to_one: bool = False
                        ) -> list[tuple[int, int]]:
    """(gold index, predicted index) pairs meeting the README's attribution criterion in one article's source
    ``text``: one to one as scores count them, or each prediction with the gold it fits best."""
    spans = _Text(text)
    gold_items, predicted_items = ([_scorable(spans, a, ()) for a in items] for items in (gold, predicted))
    if one_to_one:
        return [(g, p) for g, p, _ in _match(gold_items, predicted_items, _attribution_weight)]
    pairs = []
    for p, item in enumerate(predicted_items):
        weights = [(weight, g) for g, gold_item in enumerate(gold_items)
                   if (weight := _attribution_weight(gold_item, item)) is not None]
        if weights:
            pairs.append((max(weights)[1], p))
    return pairs


def _match(gold: list, predicted: list, weigh: Callable[[Any, Any], Any]) -> list[tuple[int, int, Any]]:
    """One-to-one (gold index, predicted index, weight) pairs.

    Candidates are the pairs ``weigh`` gives a weight (not None); they are taken greedily
    by decreasing weight, ties in reading order, each gold and each prediction at most once.
    """
    weights = {(g, p): weight for g, gold_item in enumerate(gold) for p, predicted_item in enumerate(predicted)
               if (weight := weigh(gold_item, predicted_item)) is not None}
    used_gold, used_predicted, pairs = set(), set(), []
    for (g, p), weight in sorted(weights.items(), key=lambda item: item[1], reverse=True):
        if g not in used_gold and p not in used_predicted:
            used_gold.add(g)
            used_predicted.add(p)
            pairs.append((g, p, weight))
    return pairs


def _overlap_weight(gold: frozenset[int], predicted: frozenset[int]) -> tuple[int, int] | None:
    """(shared tokens, minus all tokens): more shared first, then the tighter pair; None when disjoint."""
    shared = len(gold & predicted)
    return (shared, shared - len(gold) - len(predicted)) if shared else None


def _attribution_weight(gold: _Scorable, predicted: _Scorable) -> tuple[int, int] | None:
    """Overlap weight summed over the three fields when the pair meets the README's criterion, else None."""
    if gold.tokens["cue"].isdisjoint(predicted.tokens["cue"]):
        return None
    weights = {name: _overlap_weight(gold.tokens[name], predicted.tokens[name]) for name in FIELDS}
    sources_agree = weights["source"] is not None or not (gold.tokens["source"] or predicted.tokens["source"])
    content_covered = 2 * len(gold.tokens["content"] & predicted.tokens["content"]) >= len(gold.tokens["content"])
    if not (sources_agree and content_covered):
        return None
    present = [weight for weight in weights.values() if weight is not None]
    return sum(shared for shared, _ in present), sum(tightness for _, tightness in present)


# ---------------------------------------------------------------- PolNeAR scores


@dataclass
class Score:
    """``matched`` over ``predicted`` (precision) and over ``gold`` (recall): spans, tokens or attributions."""

    matched: float = 0
    predicted: float = 0
    gold: float = 0

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def add(self, matched: float, predicted: float, gold: float) -> None:
        self.matched += matched
        self.predicted += predicted
        self.gold += gold

    def to_dict(self) -> dict:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                "matched": self.matched, "predicted": self.predicted, "gold": self.gold}


def _field_scores() -> dict[str, dict[str, Score]]:
    return {name: {mode: Score() for mode in MODES} for name in FIELDS}


@dataclass
class SubsetScores:
    """Scores over one subset (ALL or SPEECH): ``spans[field][mode]`` and whole attributions."""

    spans: dict[str, dict[str, Score]] = field(default_factory=_field_scores)
    attribution: Score = field(default_factory=Score)

    def to_dict(self) -> dict:
        spans = {name: {mode: score.to_dict() for mode, score in modes.items()} for name, modes in self.spans.items()}
        return {**spans, "attribution": self.attribution.to_dict()}


@dataclass
class Breakdown:
    """One row of a breakdown: ``correct`` of ``total`` (found of gold, or correct of predicted)."""

    key: str
    total: int
    correct: int

    @property
    def rate(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def to_dict(self, columns: tuple[str, str, str, str]) -> dict:
        """The row under the names of ``columns`` (key, total, correct, rate)."""
        return dict(zip(columns, (self.key, self.total, self.correct, self.rate)))


@dataclass
class AttributionError:
    """A false negative (gold not found) or false positive (prediction matching no gold), for reading."""

    article: str
    kind: str  # FN | FP
    label: str  # brat E id or rule id
    position: int
    cue: str
    source: str
    content: str
    context: str
    speech: bool = False
    diagnosis: Diagnosis | None = None  # why a false negative was missed


@dataclass
class CauseCount:
    """False negatives of one cause, over ALL and SPEECH, with their shares of those subsets' false negatives."""

    cause: str
    all: int
    all_share: float
    speech: int
    speech_share: float

    def cells(self) -> list[str]:
        return [self.cause, str(self.all), f"{self.all_share:.1%}", str(self.speech), f"{self.speech_share:.1%}"]


@dataclass
class Report:
    documents: int
    subsets: dict[str, SubsetScores]
    recall_by_cue: list[Breakdown]
    precision_by_rule: list[Breakdown]
    errors: list[AttributionError]

    def false_negatives_by_cause(self) -> list[CauseCount]:
        misses = [error for error in self.errors if error.kind == "FN"]
        every = Counter(error.diagnosis.cause for error in misses)
        speech = Counter(error.diagnosis.cause for error in misses if error.speech)
        all_total, speech_total = max(len(misses), 1), max(sum(speech.values()), 1)
        return [CauseCount(cause, every[cause], every[cause] / all_total, speech[cause], speech[cause] / speech_total)
                for cause in CAUSES]

    def to_dict(self) -> dict:
        kinds = Counter(error.kind for error in self.errors)
        return {
            "documents": self.documents,
            **{name: subset.to_dict() for name, subset in self.subsets.items()},
            "recall_by_cue": [row.to_dict(CUE_COLUMNS) for row in self.recall_by_cue],
            "precision_by_rule": [row.to_dict(RULE_COLUMNS) for row in self.precision_by_rule],
            "false_negatives": kinds["FN"],
            "false_positives": kinds["FP"],
            "false_negatives_by_cause": [asdict(row) for row in self.false_negatives_by_cause()],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


def score_brat(
    gold_docs: list[GoldDocument], predictions: Predictions, speech_cues: Collection[str] | None = None,
    anchors: CueAnchor | None = None,
) -> Report:
    """Score predictions (article id → (parsed article, quotes)) against PolNeAR gold documents.

    ``speech_cues`` defaults to the corpus's ``speech_cues.txt``, found above the documents.
    ``anchors`` tells the parse words a pattern can anchor on (the rules' cue words), for
    the causes of false negatives; by default every word. Articles without predictions
    count as predicting nothing, parsed into nothing; predictions for other articles are
    ignored. Breakdowns and errors are over ALL.
    """
    if speech_cues is None:
        speech_cues = read_speech_cues(find_speech_cues(gold_docs[0].path)) if gold_docs else frozenset()
    anchors = anchors or (lambda word: True)
    subsets = {name: SubsetScores() for name in SUBSETS}
    cue_totals, cue_found, rule_totals, rule_correct = Counter(), Counter(), Counter(), Counter()
    errors = []
    for doc in gold_docs:
        text = _Text(doc.text)
        parsed, quotes = predictions.get(doc.id) or (_unparsed(doc), [])
        gold = [_scorable(text, attribution, speech_cues) for attribution in doc.attributions]
        predicted = [_scorable(text, attribution, speech_cues)
                     for attribution in predicted_attributions(parsed.article, quotes)]
        pairs = _score_subset(subsets["ALL"], gold, predicted)
        speech_gold, speech_predicted = ([item for item in items if item.speech] for items in (gold, predicted))
        _score_subset(subsets["SPEECH"], speech_gold, speech_predicted)
        found_gold = {g for g, _, _ in pairs}
        correct_predicted = {p for _, p, _ in pairs}
        unmatched = [item for index, item in enumerate(predicted) if index not in correct_predicted]
        parse = ParsedText(parsed, doc.text)
        for index, item in enumerate(gold):
            cue = text.show(item.exact["cue"]).lower()
            cue_totals[cue] += 1
            cue_found[cue] += index in found_gold
            if index not in found_gold:
                errors.append(_error(doc.id, "FN", text, item, _diagnose(item, unmatched, text, parse, anchors)))
        for index, item in enumerate(predicted):
            rule_totals[item.attribution.label] += 1
            rule_correct[item.attribution.label] += index in correct_predicted
            if index not in correct_predicted:
                errors.append(_error(doc.id, "FP", text, item))
    return Report(
        documents=len(gold_docs),
        subsets=subsets,
        recall_by_cue=[Breakdown(cue, total, cue_found[cue]) for cue, total in cue_totals.most_common(TOP_CUES)],
        precision_by_rule=[Breakdown(rule, total, rule_correct[rule]) for rule, total in rule_totals.most_common()],
        errors=errors,
    )


def score_rules(gold_path: str | Path, predictions: Predictions, rule_ids: list[str]
                ) -> tuple[str, dict[str, tuple[int, int]]]:
    """Each rule's precision and recall contribution on a PolNeAR split: a table, and rule id → (quotes,
    correct) for ``precision.yml``. Rules that gave no quote are listed with none."""
    report = score_brat(read_brat(gold_path), predictions)
    gold = int(report.subsets["ALL"].attribution.gold)
    rows = {row.key: row for row in report.precision_by_rule}
    figures = {rule: (rows[rule].total, rows[rule].correct) if rule in rows else (0, 0)
               for rule in [*rule_ids, *(key for key in rows if key not in rule_ids)]}
    ranked = sorted(figures.items(), key=lambda item: (-item[1][1], item[0]))
    table = _table(["rule", "quotes", "correct", "precision", "recall"], [
        [rule, quotes, correct, f"{correct / quotes:.3f}" if quotes else "—", f"{correct / gold:.3f}" if gold else "—"]
        for rule, (quotes, correct) in ranked])
    total = report.subsets["ALL"].attribution
    return (f"{report.documents} articles, {gold} annotated attributions; all rules: precision {total.precision:.3f}, "
            f"recall {total.recall:.3f}\n\n{table}"), figures


def _unparsed(doc: GoldDocument) -> ParsedArticle:
    """A stand-in for an article nobody predicted on: its text, no sentences."""
    return ParsedArticle(Article(doc.id, str(doc.path), doc.text, ""), "", [])


def _score_subset(
    scores: SubsetScores, gold: list[_Scorable], predicted: list[_Scorable]
) -> list[tuple[int, int, Any]]:
    """Add one article's span and attribution scores; return its matched (gold, predicted, weight) attributions."""
    for name in FIELDS:
        gold_spans = [item for item in gold if item.exact[name]]
        predicted_spans = [item for item in predicted if item.exact[name]]
        equal = _match(gold_spans, predicted_spans, lambda g, p: 1 if g.exact[name] == p.exact[name] else None)
        scores.spans[name]["exact"].add(len(equal), len(predicted_spans), len(gold_spans))
        overlapping = _match(gold_spans, predicted_spans, lambda g, p: _overlap_weight(g.tokens[name], p.tokens[name]))
        scores.spans[name]["overlap"].add(
            sum(shared for _, _, (shared, _) in overlapping),
            sum(len(item.tokens[name]) for item in predicted_spans),
            sum(len(item.tokens[name]) for item in gold_spans),
        )
    pairs = _match(gold, predicted, _attribution_weight)
    scores.attribution.add(len(pairs), len(predicted), len(gold))
    return pairs


def _error(article_id: str, kind: str, text: _Text, item: _Scorable, diagnosis: Diagnosis | None = None
           ) -> AttributionError:
    attribution = item.attribution
    anchor = (attribution.cue or attribution.content or ((0, 0),))[0][0]
    return AttributionError(article_id, kind, attribution.label, anchor, text.show(attribution.cue),
                            text.show(attribution.source), text.show(attribution.content), text.paragraph(anchor),
                            item.speech, diagnosis)


def _diagnose(gold: _Scorable, unmatched: list[_Scorable], text: _Text, parse: ParsedText, anchors: CueAnchor
              ) -> Diagnosis:
    """Why ``gold`` was missed, knowing how the unmatched prediction at its cue that covers most of it disagrees."""
    at_cue = [item for item in unmatched if item.tokens["cue"] & gold.tokens["cue"]]
    closest = max(at_cue, key=lambda item: len(item.tokens["content"] & gold.tokens["content"]), default=None)
    return explain_miss(gold.exact, parse, anchors, closest and _disagreement(gold, closest, text))


def _disagreement(gold: _Scorable, predicted: _Scorable, text: _Text) -> str:
    """Which of source and content keep a prediction at the gold cue from counting."""
    problems = []
    sources = gold.tokens["source"], predicted.tokens["source"]
    if sources[0].isdisjoint(sources[1]) and any(sources):
        problems.append(f"source [{text.show(predicted.exact['source'])}]")
    covered, total = len(gold.tokens["content"] & predicted.tokens["content"]), len(gold.tokens["content"])
    if 2 * covered < total:
        problems.append(f"content covers {covered}/{total} gold tokens")
    return ", ".join(problems)


# ---------------------------------------------------------------- seeds gold


@dataclass
class GoldQuote:
    """One ``gold.yml`` entry: ``speaker`` is a regex for the canonical name, ``content`` a stretch of the content."""

    article: str
    speaker: str
    cue: str
    type: str
    content: str
    required: bool

    @property
    def article_id(self) -> str:
        return Path(self.article).stem


def read_gold_yaml(path: str | Path) -> list[GoldQuote]:
    """The ``quotes`` of a seeds gold file."""
    entries = yaml.safe_load(Path(path).read_text(encoding="utf-8"))["quotes"]
    return [GoldQuote(entry["article"], entry["speaker"], entry["cue"] or "", entry["type"], entry["content"],
                      entry["required"]) for entry in entries]


@dataclass
class SeedsReport:
    required: Breakdown  # found of the required entries
    optional: Breakdown
    misses: list[GoldQuote]
    unlocated: list[GoldQuote]  # content stretch not in the article text: an ingest problem, not a rule's
    extras: list[Quote]  # predictions matching no gold entry

    def to_dict(self) -> dict:
        return {
            **{tally.key: {"found": tally.correct, "total": tally.total, "recall": tally.rate}
               for tally in (self.required, self.optional)},
            "misses": [asdict(entry) for entry in self.misses],
            "unlocated": [asdict(entry) for entry in self.unlocated],
            "extras": [_quote_dict(quote) for quote in self.extras],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


def _quote_dict(quote: Quote) -> dict:
    return {"article": quote.article_id, "rule": quote.rule_id, "speaker": quote.speaker,
            "cue": quote.cue.text if quote.cue else None, "content": quote.content.text}


def score_seeds(gold: list[GoldQuote], predictions: Predictions) -> SeedsReport:
    """Match gold entries to predictions (article id = file stem → (parsed article, quotes)), one to one.

    A prediction matches an entry when its canonical speaker matches the entry's regex
    (case-insensitive search), its cue and the entry's cue have one inside the other as
    whole words (an empty gold cue accepts any), and its content covers at least half of
    the words of an occurrence of the entry's content in the article text. Pairs are
    taken greedily, required entries first, then by covered words.
    """
    required, optional = Breakdown("required", 0, 0), Breakdown("optional", 0, 0)
    misses, unlocated, extras = [], [], []
    entries_by_article: dict[str, list[GoldQuote]] = {}
    for entry in gold:
        entries_by_article.setdefault(entry.article_id, []).append(entry)
    for article_id in sorted({*entries_by_article, *predictions}):
        parsed, quotes = predictions.get(article_id, (None, []))
        article = parsed.article if parsed else None
        located = [(entry, _occurrences(article.text, entry.content) if article else [])
                   for entry in entries_by_article.get(article_id, [])]
        pairs = _match(located, quotes, _seed_weight)
        found = {g for g, _, _ in pairs}
        matched_quotes = {p for _, p, _ in pairs}
        for g, (entry, occurrences) in enumerate(located):
            tally = required if entry.required else optional
            tally.total += 1
            tally.correct += g in found
            if g not in found:
                misses.append(entry)
            if article and not occurrences:
                unlocated.append(entry)
        extras += [quote for p, quote in enumerate(quotes) if p not in matched_quotes]
    return SeedsReport(required, optional, misses, unlocated, extras)


def _occurrences(text: str, stretch: str) -> list[list[tuple[int, int]]]:
    """Word spans of each occurrence of ``stretch`` in ``text``, whatever punctuation and spaces lie between words."""
    pattern = r"\W+".join(regex.escape(word) for word in WORD.findall(stretch))
    if not pattern:
        return []
    return [[word.span() for word in WORD.finditer(text, match.start(), match.end())]
            for match in regex.finditer(pattern, text)]


def speaker_as_named(quote: Quote) -> str | None:
    """Who a quote is from, as a reader names it: the canonical speaker, or for a generic or
    anonymous source (which has none) the mention as written ("a spokesman", "officials")."""
    if quote.speaker:
        return quote.speaker
    if quote.speaker_kind in ("generic", "anonymous") and quote.speaker_span is not None:
        return quote.speaker_span.text
    return None


def _seed_weight(located: tuple[GoldQuote, list[list[tuple[int, int]]]], quote: Quote) -> tuple[bool, int] | None:
    """(required, covered words) when the quote matches the entry located at its occurrences, else None."""
    entry, occurrences = located
    source = speaker_as_named(quote)
    if not (source and regex.search(entry.speaker, source, regex.IGNORECASE)):
        return None
    if entry.cue and not (quote.cue and _one_inside_other(entry.cue, quote.cue.text)):
        return None
    start, end = quote.content.start, quote.content.end
    for words in occurrences:
        covered = sum(start <= word_start and word_end <= end for word_start, word_end in words)
        if 2 * covered >= len(words):
            return entry.required, covered
    return None


def _one_inside_other(first: str, second: str) -> bool:
    first, second = (f" {' '.join(WORD.findall(cue.lower()))} " for cue in (first, second))
    return first in second or second in first


# ---------------------------------------------------------------- entry point and rendering


def evaluate(gold_kind: str, gold_path: str | Path, predictions: Predictions,
             anchors: CueAnchor | None = None) -> Report | SeedsReport:
    """Read gold of ``gold_kind`` (``polnear``: a split folder; ``seeds``: gold.yml) and score predictions.

    ``anchors``: the parse words the rules can anchor a pattern on, for the causes of PolNeAR misses.
    """
    if gold_kind == "polnear":
        return score_brat(read_brat(gold_path), predictions, anchors=anchors)
    if gold_kind == "seeds":
        return score_seeds(read_gold_yaml(gold_path), predictions)
    raise ValueError(f"unknown gold kind {gold_kind!r}: expected one of {', '.join(GOLD_KINDS)}")


def _write_seeds_errors(report: SeedsReport, path: str | Path) -> None:
    lines = [f"# {len(report.misses)} false negatives (FN: gold entry not found), "
             f"{len(report.extras)} false positives (FP: prediction matching no gold entry)"]
    for entry in report.misses:
        kind = "required" if entry.required else "optional"
        lines.append(f"FN {entry.article} ({kind}) speaker=[{entry.speaker}] cue=[{entry.cue}] content=[{entry.content}]")
    for quote in report.extras:
        lines.append(f"FP {quote.article_id} [{quote.rule_id}] speaker=[{quote.speaker}] "
                     f"cue=[{quote.cue.text if quote.cue else ''}] content=[{quote.content.text}]")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def format_report(report: Report | SeedsReport) -> str:
    """The report as aligned text tables."""
    if isinstance(report, SeedsReport):
        return _format_seeds(report)
    counts = ", ".join(f"{name} {int(report.subsets[name].attribution.gold)} gold / "
                       f"{int(report.subsets[name].attribution.predicted)} predicted" for name in SUBSETS)
    header = ["", "", *(f"{name} {measure}" for name in SUBSETS for measure in ("P", "R", "F1"))]
    rows = [[name, mode, *_prf(report, lambda subset: subset.spans[name][mode])] for name in FIELDS for mode in MODES]
    rows.append(["attribution", "", *_prf(report, lambda subset: subset.attribution)])
    return "\n\n".join([
        f"PolNeAR: {report.documents} documents; {counts}",
        _table(header, rows, left=2),
        f"Recall by gold cue (top {TOP_CUES}, ALL)\n" + _breakdown_table(CUE_COLUMNS, report.recall_by_cue),
        "Precision by rule (ALL)\n" + _breakdown_table(RULE_COLUMNS, report.precision_by_rule),
        "False negatives by cause\n" + _table(list(CAUSE_COLUMNS),
                                               [row.cells() for row in report.false_negatives_by_cause()]),
    ]) + "\n"


def _prf(report: Report, pick: Callable[[SubsetScores], Score]) -> list[str]:
    """Precision, recall and F1 of the picked score, subset after subset."""
    scores = [pick(report.subsets[name]) for name in SUBSETS]
    return [f"{value:.3f}" for score in scores for value in (score.precision, score.recall, score.f1)]


def _breakdown_table(columns: tuple[str, ...], rows: list[Breakdown]) -> str:
    return _table(list(columns), [[row.key, row.total, row.correct, f"{row.rate:.3f}"] for row in rows])


def _table(header: list[str], rows: list[list], left: int = 1) -> str:
    """Columns padded to width: the first ``left`` ones left-aligned, the others right-aligned."""
    cells = [header, *([str(cell) for cell in row] for row in rows)]
    widths = [max(len(row[column]) for row in cells) for column in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) if column < left else cell.rjust(width)
                               for column, (cell, width) in enumerate(zip(row, widths))).rstrip() for row in cells)


def _format_seeds(report: SeedsReport) -> str:
    required, optional = report.required, report.optional
    lines = [f"Seeds: required {required.correct}/{required.total} found ({required.rate:.1%}), "
             f"optional {optional.correct}/{optional.total} found"]
    for title, entries in (("Missed", report.misses), ("Content not found in the article text", report.unlocated)):
        lines += [f"\n{title}: {len(entries)}"] + [
            f"  {entry.article_id} {'required' if entry.required else 'optional'} speaker=/{entry.speaker}/ "
            f"cue=[{entry.cue}] content=[{entry.content}]" for entry in entries]
    lines += [f"\nExtra predictions (no gold entry): {len(report.extras)}"] + [
        f"  {quote.article_id} {quote.rule_id} speaker={quote.speaker} cue=[{quote.cue.text if quote.cue else ''}] "
        f"content=[{quote.content.text}]" for quote in report.extras]
    return "\n".join(lines) + "\n"


def write_errors(report: Report | SeedsReport, path: str | Path) -> None:
    """Write every false negative and false positive attribution, by article, in reading order.

    A false negative shows its cause. Each is followed by the paragraph around its cue,
    unless the error above showed it already. For a gold.yml: its missed entries and the
    predictions matching none.
    """
    if isinstance(report, SeedsReport):
        _write_seeds_errors(report, path)
        return
    kinds = Counter(error.kind for error in report.errors)
    lines = [f"# {kinds['FN']} false negatives (FN: gold not found), "
             f"{kinds['FP']} false positives (FP: prediction matching no gold)"]
    article = context = None
    for error in sorted(report.errors, key=lambda error: (error.article, error.position, error.kind)):
        if error.article != article:
            article, context = error.article, None
            lines.append(f"\n== {article}")
        cause = f" [{error.diagnosis.cause}: {error.diagnosis.detail}]" if error.diagnosis else ""
        lines.append(f"{error.kind} {error.label}{cause}  "
                     f"cue=[{error.cue}] source=[{error.source}] content=[{error.content}]")
        if error.context != context:
            context = error.context
            lines.append(f"   | {context}")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
