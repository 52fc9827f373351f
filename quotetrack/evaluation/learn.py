"""Candidate attribution patterns learned from annotated news, for a person to review and merge.

For each gold attribution, ``configuration`` reads how the parse links its cue, source and
content: the dependency path from the cue to the source's head and to the content's head
(relations, directions, tags), and whether the content is a quotation before or after the
cue. Configurations become patterns of the project's own YAML language at two levels of
detail (relations with tags; relations alone), each with its cue free. Every shape that
enough gold attributions share is run by the real engine over the training articles, and
each firing is judged against gold (fires and right / fires). The firings, split by cue
lemma, choose the cue: any word of its tag when that keeps the precision, else the cue
lexicons (classes of cues.yml) that keep it, else the lemmas that do, each on several
articles. ``learn`` writes ranked candidates with their figures and real positive and
negative examples, and proposes cue words that annotators marked often and cues.yml lacks.
Nothing in the rules folder is written.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import regex
import yaml

from .. import rulelang
from ..records import Article, ParsedArticle, Quote, Sentence, Word
from ..rulelang.rules import Node, RuleSet
from ..rulelang.syntax import ancestors
from ..run.pipeline import Pipeline
from ..stages.match import Matcher
from ..stages.steps import QuotationMarks
from ..stages.view import SentenceView
from .diagnose import ParsedText, top, words_in
from .evaluate import (
    Attribution,
    GoldDocument,
    attribution_matches,
    predicted_attribution,
    predicted_attributions,
    read_brat,
    read_gold_yaml,
)

MAX_LINKS = 2  # links from the cue to the source's or the content's head
LEVELS = ("tags", "relations")  # how much a node other than the cue keeps: relation and tag, or relation alone
POSITIVES, NEGATIVES = 3, 2  # examples written per candidate
OFFERED = 5  # sentences of each kind tried as examples
HELD_OUT_EVIDENCE = 5  # quotes on the held-out half that can refute a candidate
SHOWN_CUE_EXAMPLES = 2


class LearnError(Exception):
    """Gold that cannot be read: a one-line reason."""


@dataclass
class Settings:
    min_support: int = 5  # gold attributions a candidate must find
    min_precision: float = 0.7
    min_articles: int = 3  # different articles it must find them in
    min_lemma_support: int = 2  # gold attributions a lemma of a lemma list must find
    min_cue_count: int = 3  # times a word must be annotated as a cue to be proposed
    extend: tuple[str, ...] = ()  # rules whose anchor lemmas are to be extended


@dataclass
class Corpus:
    """Gold documents with their parses, and what the current rules find in them."""

    documents: list[GoldDocument]
    parsed: dict[str, ParsedArticle]
    found: dict[str, set[int]]  # article id → indexes of the gold attributions the current rules find
    cues: dict[str, set[int]]  # article id → where the cues of the current rules' quotes start
    problems: Counter = field(default_factory=Counter)  # why attributions could not be learned from


# ---------------------------------------------------------------- gold


def read_gold(path: Path, articles_dir: Path | None = None) -> tuple[list[GoldDocument], Path]:
    """The gold documents at ``path`` (a PolNeAR split folder, a gold.yml) and the folder of their articles."""
    if path.is_dir():
        if not (path / "text").is_dir() or not (path / "attributions").is_dir():
            raise LearnError(f"{path}: not a PolNeAR split folder (text/ and attributions/)")
        try:
            return read_brat(path), path / "text"
        except (ValueError, KeyError, UnicodeDecodeError) as error:
            raise LearnError(f"{path}: unreadable brat annotation ({error})") from None
    if path.suffix not in (".yml", ".yaml") or not path.is_file():
        raise LearnError(f"{path}: neither a PolNeAR split folder nor a gold.yml file")
    articles_dir = articles_dir or path.parent / "articles"
    try:
        entries = read_gold_yaml(path)
    except (yaml.YAMLError, KeyError, TypeError, UnicodeDecodeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise LearnError(f"{path}: not a gold.yml of quotes (article, speaker, cue, type, content, required): "
                         f"{reason}") from None
    documents: dict[str, GoldDocument] = {}
    for entry in entries:
        article = articles_dir / entry.article
        if not article.is_file():
            raise LearnError(f"{path}: article {entry.article} not found in {articles_dir}")
        document = documents.setdefault(entry.article_id, GoldDocument(
            entry.article_id, article, article.read_bytes().decode("utf-8"), []))
        attribution = locate(document.text, entry.cue, entry.speaker, entry.content, len(document.attributions))
        if attribution is not None:
            document.attributions.append(attribution)
    return list(documents.values()), articles_dir


def locate(text: str, cue: str, speaker: str, content: str, number: int) -> Attribution | None:
    """A gold.yml entry in offsets: its content's first occurrence, the nearest written cue in its paragraph, and
    the speaker's nearest match there; None when one of them is not written (a pronoun, a cue-less quote)."""
    words = regex.findall(r"\w+", content)
    found = regex.search(r"\W+".join(map(regex.escape, words)), text) if words and cue else None
    if found is None:
        return None
    start, end = text.rfind("\n", 0, found.start()) + 1, text.find("\n", found.end())
    end = len(text) if end < 0 else end

    def nearest(pattern: str) -> tuple[int, int] | None:
        hits = [m.span() for m in regex.finditer(pattern, text[start:end], regex.IGNORECASE)
                if not (found.start() - start <= m.start() < found.end() - start)]
        near = min(hits, key=lambda hit: abs(hit[0] + start - found.start()), default=None)
        return (near[0] + start, near[1] + start) if near else None

    cue_span = nearest(r"\b" + regex.escape(cue) + r"\b")
    try:
        source_span = nearest(speaker)
    except regex.error:
        return None
    if cue_span is None or source_span is None:
        return None
    return Attribution(f"entry{number}", (cue_span,), (source_span,), (found.span(),))


def read_corpus(pipeline: Pipeline, gold_paths: Iterable[Path], cache_path: Path | None,
                articles_dir: Path | None = None, progress: Callable[[int], None] | None = None,
                skipped: Callable[[str, str], None] | None = None) -> Corpus:
    """Read the gold, parse its articles (through the cache) and note which attributions the rules find."""
    from ..run.pipeline import BuildReport

    documents, parsed, found, cues = [], {}, {}, {}
    for path in gold_paths:
        gold, source = read_gold(path, articles_dir)
        report = BuildReport()
        articles = {a.id: a for a in pipeline.read(source, report)}
        for where, why in report.errors:
            if skipped:
                skipped(where, why)
        wanted = [articles[doc.id] for doc in gold if doc.id in articles]
        for parsed_article, quotes in pipeline.predict(wanted, cache_path, progress).values():
            parsed[parsed_article.article.id] = parsed_article
            doc = next(d for d in gold if d.id == parsed_article.article.id)
            predicted = predicted_attributions(parsed_article.article, quotes)
            cues[doc.id] = {quote.cue.start for quote in quotes if quote.cue}
            found[doc.id] = {g for g, _ in attribution_matches(doc.text, doc.attributions, predicted,
                                                               one_to_one=True)}
        documents += [doc for doc in gold if doc.id in parsed]
    if not documents:
        raise LearnError("no annotated article could be read: " + ", ".join(map(str, gold_paths)))
    return Corpus(documents, parsed, found, cues)


# ---------------------------------------------------------------- configurations


@dataclass(frozen=True)
class Configuration:
    """How one gold attribution sits in the parse: a cue-free pattern per level, and the cue word."""

    shapes: dict  # level → pattern spec without the cue lemma (a YAML-ready dict)
    cue: Word
    article: str
    gold: int  # the attribution's index in its document


class Flow(dict):
    """A mapping written on one line: pattern nodes read best so."""


yaml.SafeDumper.add_representer(Flow, lambda dumper, data: dumper.represent_mapping(
    "tag:yaml.org,2002:map", data, flow_style=True))


def configuration(parse: ParsedText, text: str, attribution: Attribution, article: str, number: int,
                  marks: QuotationMarks
                  ) -> Configuration | str:
    """The configuration of a gold attribution (``text``: its article's text, which the parse indexes), or why
    none can be learned from it."""
    if not attribution.cue:
        return "no cue"
    if not attribution.source:
        return "no source"
    located = parse.under(attribution.cue)
    if not located:
        return "cue is punctuation"
    sentence = located[0].sentence
    cue_words = words_in(sentence, located, ())
    source = words_in(sentence, parse.under(attribution.source), {w.index for w in cue_words})
    content = words_in(sentence, parse.under(attribution.content), {w.index for w in cue_words + source})
    if not source:
        return "source in another sentence"
    if not content:
        return "content in another sentence"
    cue, speaker, said = top(sentence, cue_words), top(sentence, source), top(sentence, content)
    view = SentenceView(sentence, marks.find(text))
    quoted = all(w.index in view.quoted for w in content)
    shapes = {}
    for level in LEVELS:
        nodes = Shape(sentence, cue, level)
        if not nodes.reach(speaker.index, "speaker"):
            return "source more than 2 links from the cue"
        if quoted:
            spec = {"quote": "before" if said.index < cue.index else "after"}
        elif said.index in ancestors(sentence, cue.index):  # the cue hangs in its content: "C, S said"
            if not nodes.reach(said.index, "clause"):
                return "content more than 2 links from the cue"
            side = "speaker" if speaker.index < cue.index else "cue"
            spec = Flow({"left_of": side, "separator": ","}) if said.index < cue.index else Flow({"right_of": "cue"})
        else:
            if said.index in nodes.nodes:
                return "content's head on the path from the cue to the source"
            if not nodes.reach(said.index, "content"):
                return "content more than 2 links from the cue"
            spec = {"subtree": "content"}
        shapes[level] = {"nodes": nodes.specs(), "speaker": "speaker", "content": Flow(spec)}
    return Configuration(shapes, cue, article, number)


class Shape:
    """Pattern nodes along paths from the cue: the cue, the heads above it, the words below them."""

    def __init__(self, sentence: Sentence, cue: Word, level: str):
        self.sentence, self.level = sentence, level
        self.nodes: dict[int, dict] = {cue.index: Flow({"id": "cue", "upos": cue.upos, "in_quote": False})}

    def reach(self, target: int, name: str) -> bool:
        """Add the nodes from the cue to word ``target`` (named ``name``); False when it lies too far."""
        cue = next(iter(self.nodes))
        up = [cue, *ancestors(self.sentence, cue)]
        down = [target, *ancestors(self.sentence, target)]
        meet = next((w for w in down if w in up), None)
        if meet is None or up.index(meet) + down.index(meet) > MAX_LINKS:
            return False
        path = up[:up.index(meet) + 1] + list(reversed(down[:down.index(meet)]))
        for previous, index in zip(path, path[1:]):
            if index in self.nodes:
                continue
            word, before = self.sentence.words[index], self.sentence.words[previous]
            node = Flow({"id": name if index == target else f"{name}-link", "from": self.nodes[previous]["id"]})
            if index == before.head:  # going up: the word below carries the relation
                node["rel"] = "<"
                self.nodes[previous]["deprel"] = before.deprel
            else:
                node["rel"] = ">"
                node["deprel"] = word.deprel
                if previous == cue:
                    node["position"] = "before" if index < cue else "after"
            if self.level == "tags" or name == "speaker":
                node["upos"] = word.upos
            if name == "speaker":
                node["in_quote"] = False
            self.nodes[index] = node
        return True

    def specs(self) -> list[dict]:
        """The nodes in the order they were tied (each after the one it hangs from)."""
        return [Flow(sorted(node.items(), key=lambda item: NODE_KEYS.index(item[0]))) for node in self.nodes.values()]


NODE_KEYS = ("id", "from", "rel", "position", "lemma", "upos", "deprel", "in_quote")


def shape_key(shape: dict) -> str:
    return yaml.safe_dump(shape, sort_keys=True, width=1000)


# ---------------------------------------------------------------- measuring on the training articles


@dataclass
class Firing:
    """One quote a shape found, judged against gold."""

    lemma: str
    article: str
    gold: int | None  # the gold attribution it finds, None when wrong
    quote: Quote
    sentence: str


def measure(rules: RuleSet, shapes: list[dict], corpus: Corpus, rules_dir: Path) -> dict[int, list[Firing]]:
    """Run each shape (a cue-free pattern) over every sentence of the corpus, each on its own, and judge each
    firing against gold: shape number → its firings."""
    specs = [{"id": f"shape-{n}", "description": "a learned shape", **shape} for n, shape in enumerate(shapes)]
    matcher = Matcher(compile_patterns(rules_dir, specs))
    firings: dict[int, list[Firing]] = defaultdict(list)
    for doc in corpus.documents:
        parsed = corpus.parsed[doc.id]
        text = parsed.article.text
        quotes_marks = matcher.marks.find(text)
        for sentence in parsed.sentences:
            found = matcher.sentence_quotes(doc.id, SentenceView(sentence, quotes_marks), quotes_marks, text,
                                            claim=False)
            if not found:
                continue
            predicted = [predicted_attribution(parsed.article, quote) for quote in found]
            hits = dict((p, g) for g, p in attribution_matches(doc.text, doc.attributions, predicted))
            for p, quote in enumerate(found):
                firings[int(quote.rule_id.split("-")[1])].append(Firing(
                    quote.cue_lemma or "", doc.id, hits.get(p), quote,
                    " ".join(text[sentence.start:sentence.end].split())))
    return firings


def compile_patterns(rules_dir: Path, specs: list[dict]) -> RuleSet:
    """The rule set of ``rules_dir`` with ``specs`` as its only patterns, loaded (and so checked) as a rule
    author's patterns.yml would be, in a scratch copy: the rules folder itself is never written. A spec without
    examples gets a note in their place, which the schema asks for and nothing runs."""
    specs = [{**spec, "examples": spec.get("examples") or [{"text": "(measured by rules learn)"}],
              "not": spec.get("not") or []} for spec in specs]
    with tempfile.TemporaryDirectory(prefix="quotetrack-learn-") as scratch:
        folder = Path(scratch) / "rules"
        shutil.copytree(rules_dir, folder)
        (folder / "patterns.yml").write_text(yaml.safe_dump({"patterns": specs}, sort_keys=False, width=1000),
                                             encoding="utf-8")
        return rulelang.load(folder).attribution


# ---------------------------------------------------------------- choosing candidates


@dataclass
class Candidate:
    pattern: dict
    firings: list[Firing]
    corpus: Corpus
    level: str  # "any" | "class" | "lemmas" | "extend"
    examples: tuple[list[dict], list[str]] = ((), ())  # set by ``verify``
    held_out: list[Firing] = field(default_factory=list)  # set by ``checked``

    @property
    def right(self) -> list[Firing]:
        return [f for f in self.firings if f.gold is not None]

    @property
    def found(self) -> set[tuple[str, int]]:
        return {(f.article, f.gold) for f in self.right}

    @property
    def new(self) -> set[tuple[str, int]]:
        return {(article, gold) for article, gold in self.found if gold not in self.corpus.found.get(article, ())}

    @property
    def precision(self) -> float:
        return len(self.right) / len(self.firings) if self.firings else 0.0

    @property
    def added(self) -> list[Firing]:
        """The firings at a cue none of the current rules' quotes has: what merging it would add."""
        return [f for f in self.firings if f.quote.cue and f.quote.cue.start not in self.corpus.cues.get(f.article, ())]

    @property
    def added_precision(self) -> float:
        added = self.added
        return sum(f.gold is not None for f in added) / len(added) if added else 0.0

    @property
    def articles(self) -> int:
        return len({f.article for f in self.right})

    def keeps(self, settings: Settings) -> bool:
        """Precise enough, finding enough gold attributions, in enough different articles."""
        return (self.precision >= settings.min_precision and len(self.found) >= settings.min_support
                and self.articles >= settings.min_articles)

    def generalises(self, settings: Settings) -> bool:
        """Not refuted by the held-out half: fewer than ``HELD_OUT_EVIDENCE`` quotes there, or precise there too."""
        right = sum(f.gold is not None for f in self.held_out)
        return len(self.held_out) < HELD_OUT_EVIDENCE or right / len(self.held_out) >= settings.min_precision

    def figures(self) -> dict:
        return {"gold_found": len(self.found), "new": len(self.new), "fires": len(self.firings),
                "right": len(self.right), "precision": round(self.precision, 3), "articles": self.articles,
                "added_fires": len(self.added), "added_precision": round(self.added_precision, 3),
                "held_out_fires": len(self.held_out),
                "held_out_precision": round(sum(f.gold is not None for f in self.held_out) / len(self.held_out), 3)
                if self.held_out else None}

    def offers(self) -> tuple[list[Firing], list[str]]:
        """Sentences that may serve as examples: right firings, one per article first; wrong ones' sentences,
        those it adds first."""
        firsts = {f.article: n for n, f in reversed(list(enumerate(self.right)))}
        order = list(dict.fromkeys([*firsts.values(), *range(len(self.right))]))
        right = [self.right[n] for n in order[:OFFERED]]
        wrong = [f.sentence for f in self.added if f.gold is None] + [f.sentence for f in self.firings if f.gold is None]
        return right, list(dict.fromkeys(wrong))[:OFFERED]

    def document(self) -> dict:
        """The candidate as written: its figures, then the pattern with its verified examples."""
        positives, negatives = self.examples
        return {"figures": self.figures(), "pattern": {**self.pattern, "examples": positives, "not": negatives}}


def fold(article: str) -> int:
    """Which half of the training articles an article is in: lemma lists are chosen on half 0 and checked on
    half 1, to tell a list that generalises from one that memorises the articles it was learned on."""
    return hashlib.sha256(article.encode()).digest()[0] % 2


def good_lemmas(firings: list[Firing], settings: Settings, leave_out: Iterable[str] = ()) -> list[str]:
    """The cue lemmas whose firings find ``min_lemma_support`` gold attributions at ``min_precision``."""
    by_lemma: dict[str, list[Firing]] = defaultdict(list)
    for firing in firings:
        by_lemma[firing.lemma].append(firing)
    left_out = set(leave_out)
    return sorted(lemma for lemma, some in by_lemma.items() if lemma not in left_out and " " not in lemma
                  and sum(f.gold is not None for f in some) >= settings.min_lemma_support
                  and sum(f.gold is not None for f in some) / len(some) >= settings.min_precision)


def checked(candidate: Candidate, firings: list[Firing], settings: Settings, leave_out: Iterable[str] = ()
            ) -> Candidate:
    """``candidate`` with its held-out figures: for a lemma list, the list chosen again on half 0 of the articles
    and measured on half 1; otherwise its own firings on half 1."""
    if candidate.level in ("lemmas", "extend"):
        lemmas = set(good_lemmas([f for f in firings if fold(f.article) == 0], settings, leave_out))
        firings = [f for f in firings if f.lemma in lemmas]
    else:
        firings = candidate.firings
    candidate.held_out = [f for f in firings if fold(f.article) == 1]
    return candidate


def choose(shape: dict, firings: list[Firing], rules: RuleSet, corpus: Corpus, settings: Settings,
           name: str) -> list[Candidate]:
    """The candidates of one shape: its cue free when that keeps the precision, else the cue lexicons that keep it,
    else the lemmas that do (lexical → class → any, the most general level that keeps precision)."""
    def candidate(cue: dict, subset: list[Firing], level: str, tag: str) -> Candidate | None:
        nodes = [Flow({**shape["nodes"][0], **cue}), *shape["nodes"][1:]]
        nodes[0] = Flow(sorted(nodes[0].items(), key=lambda item: NODE_KEYS.index(item[0])))
        found = Candidate({"id": f"{name}-{tag}", "description": describe(shape, level, tag), **shape,
                           "nodes": nodes}, subset, corpus, level)
        return found if found.keeps(settings) else None

    if whole := candidate({}, firings, "any", "any"):
        return [checked(whole, firings, settings)]
    chosen, covered = [], set()
    for lexicon, words in rules.lexicons.items():
        subset = [f for f in firings if f.lemma in words]
        if found := candidate({"lemma": f"@{lexicon}"}, subset, "class", lexicon):
            chosen.append(found)
            covered |= set(words)
    lemmas = good_lemmas(firings, settings, covered)
    if lemmas and (found := candidate({"lemma": lemmas}, [f for f in firings if f.lemma in lemmas], "lemmas",
                                      "lemmas")):
        chosen.append(found)
    return [checked(found, firings, settings, covered) for found in chosen]


def describe(shape: dict, level: str, tag: str) -> str:
    """A pattern description from its shape: its cue, each node's relation, its content."""
    cue = {"any": "any word of its tag", "class": f"a word of the {tag} lexicon", "lemmas": "these lemmas",
           "extend": "new lemmas"}[level]
    links = ", ".join(f"{n['id']} {n['rel']} {n.get('deprel', n.get('upos', ''))}".rstrip()
                      for n in shape["nodes"][1:])
    content = ", ".join(f"{k}: {v}" for k, v in shape["content"].items())
    return f"Learned: the cue is {cue}; {links}; content {content}."


def plain(value):
    """A loaded rule value as plain YAML data: the loader's located strings and mappings as ``str`` and ``dict``."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return type(value)({str(k): plain(v) for k, v in value.items()}) if isinstance(value, Flow) else \
            {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, frozenset, set)):
        return [plain(v) for v in (sorted(value) if isinstance(value, (frozenset, set)) else value)]
    return value


def node_spec(node: Node) -> Flow:
    """A compiled pattern node written back as YAML (lexicons expanded)."""
    def values(constraints: dict) -> dict:
        written = {}
        for key, value in constraints.items():
            if isinstance(value, frozenset):
                written[key] = plain(value) if len(value) > 1 else plain(next(iter(value)))
            elif key == "feats":
                written[key] = Flow({str(name): plain(v) for name, v in value.items()})
            else:
                written[key] = getattr(value, "pattern", value)
        return written

    spec = Flow({"id": str(node.id)})
    for key, value in (("from", node.source), ("rel", node.rel), ("position", node.position)):
        if value is not None:
            spec[key] = str(value)
    spec.update(values(node.constraints))
    if node.negated:
        spec["not"] = Flow(values(node.negated))
    if node.absent:
        spec["absent"] = True
    return spec


def extensions(rules: RuleSet, corpus: Corpus, settings: Settings, rules_dir: Path) -> list[Candidate]:
    """For each rule of ``settings.extend``: the lemmas its anchor lacks that, run as it is otherwise, keep
    the precision on several articles."""
    chosen = []
    for rule_id in settings.extend:
        pattern = next((p for p in rules.patterns if p.id == rule_id), None)
        if pattern is None:
            raise LearnError(f"no pattern {rule_id!r} to extend in {rules_dir}")
        nodes = [node_spec(node) for node in pattern.nodes]
        old = set(pattern.nodes[0].constraints.get("lemma", ()))
        nodes[0].pop("lemma", None)
        shape = {"nodes": nodes, **({"cue": plain(pattern.cue)} if pattern.cue != [pattern.nodes[0].id] else {}),
                 **({"speaker": str(pattern.speaker)} if pattern.speaker else {}), "content": plain(pattern.content if len(pattern.content) > 1 else pattern.content[0]),
                 "min_words": pattern.min_words}
        firings = measure(rules, [shape], corpus, rules_dir).get(0, [])
        new = good_lemmas(firings, settings, old)
        nodes[0] = Flow({"id": nodes[0]["id"], "lemma": new, **{k: v for k, v in nodes[0].items() if k != "id"}})
        found = Candidate({"id": f"{rule_id}-extended", "description": f"{pattern.description} "
                           f"(extended by rules learn: {', '.join(new)})", **shape, "nodes": nodes},
                          [f for f in firings if f.lemma in new], corpus, "extend")
        if new and found.keeps(settings):
            chosen.append(checked(found, firings, settings, old))
    return chosen


# ---------------------------------------------------------------- cue words


def cue_words(rules: RuleSet, corpus: Corpus, settings: Settings) -> list[dict]:
    """Words annotated as a cue at least ``min_cue_count`` times that no lexicon of cues.yml holds, with their
    precision as a cue: annotated / written (same lemma and tag, outside quotations)."""
    annotated: Counter = Counter()
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    for doc in corpus.documents:
        parse = ParsedText(corpus.parsed[doc.id], doc.text)
        for attribution in doc.attributions:
            located = parse.under(attribution.cue)
            if not located:
                continue
            sentence = located[0].sentence
            word = top(sentence, words_in(sentence, located, ()))
            key = word.lemma.lower(), word.upos
            if rules.cue_word(word.lemma) is None and word.upos in ("VERB", "NOUN"):
                annotated[key] += 1
                if len(examples[key]) < SHOWN_CUE_EXAMPLES:
                    examples[key].append(" ".join(corpus.parsed[doc.id].article.text[sentence.start:sentence.end].split()))
    wanted = {key for key, count in annotated.items() if count >= settings.min_cue_count}
    written: Counter = Counter()
    quotations = QuotationMarks(rules.settings["quotations"])
    for doc in corpus.documents:
        parsed = corpus.parsed[doc.id]
        marks = quotations.find(parsed.article.text)
        for sentence in parsed.sentences:
            view = None
            for word in sentence.words:
                if (word.lemma.lower(), word.upos) in wanted:
                    view = view or SentenceView(sentence, marks)
                    written[word.lemma.lower(), word.upos] += word.index not in view.quoted
    rows = [{"lemma": lemma, "upos": upos, "annotated": count, "written": written[lemma, upos],
             "precision": round(min(count / written[lemma, upos], 1.0), 3) if written[lemma, upos] else None,
             "examples": examples[lemma, upos]}
            for (lemma, upos), count in annotated.items() if (lemma, upos) in wanted]
    return sorted(rows, key=lambda row: (-row["annotated"], row["lemma"]))


# ---------------------------------------------------------------- the whole run


@dataclass
class Learned:
    candidates: list[Candidate]
    cue_words: list[dict]
    corpus: Corpus
    configurations: int
    memorised: list[str]  # candidates left out: precise where learned, not on the held-out half

    def document(self, sources: list[str], settings: Settings) -> dict:
        attributions = sum(len(doc.attributions) for doc in self.corpus.documents)
        return {
            "learned_from": {"gold": sources, "articles": len(self.corpus.documents),
                             "attributions": attributions, "configurations": self.configurations,
                             "not_learned_from": dict(self.corpus.problems.most_common()),
                             "left_out_as_memorised": self.memorised},
            "settings": {"min_support": settings.min_support, "min_precision": settings.min_precision,
                         "min_articles": settings.min_articles, "min_lemma_support": settings.min_lemma_support,
                         "min_cue_count": settings.min_cue_count, "extend": list(settings.extend)},
            "candidates": [candidate.document() for candidate in self.candidates],
            "cue_words": self.cue_words,
        }


def learn(pipeline: Pipeline, corpus: Corpus, settings: Settings) -> Learned:
    """Configurations of every gold attribution, shapes shared by ``min_support`` of them measured, candidates
    chosen and ranked by the gold attributions they add to what the rules find, then by precision."""
    rules = pipeline.rules.attribution
    support: dict[str, list[Configuration]] = defaultdict(list)
    shapes: dict[str, dict] = {}
    learned_from = 0
    for doc in corpus.documents:
        parse = ParsedText(corpus.parsed[doc.id], doc.text)
        for number, attribution in enumerate(doc.attributions):
            found = configuration(parse, corpus.parsed[doc.id].article.text, attribution, doc.id, number,
                                  pipeline.matcher.marks)
            if isinstance(found, str):
                corpus.problems[found] += 1
                continue
            learned_from += 1
            for shape in found.shapes.values():
                key = shape_key(shape)
                shapes[key] = shape
                support[key].append(found)
    measured = [key for key, found in support.items() if len(found) >= settings.min_support]
    firings = measure(rules, [shapes[key] for key in measured], corpus, pipeline.rules_dir)
    candidates = [candidate for n, key in enumerate(measured)
                  for candidate in choose(shapes[key], firings.get(n, []), rules, corpus, settings, f"learned-{n + 1}")]
    candidates += extensions(rules, corpus, settings, pipeline.rules_dir)
    memorised = [c for c in candidates if not c.generalises(settings)]
    candidates = best_per_gold([c for c in candidates if c.generalises(settings)])
    verify(pipeline, candidates)
    return Learned(candidates, cue_words(rules, corpus, settings), corpus, learned_from,
                   [c.pattern["id"] for c in memorised])


def verify(pipeline: Pipeline, candidates: list[Candidate]) -> None:
    """Give each candidate the examples that behave alone as in their article: a right firing's sentence, parsed
    on its own, where the pattern finds the same cue (written with what it finds there), and a wrong firing's
    sentence where it still fires. The rule tests run them so, once merged."""
    if not candidates:
        return
    offers = [candidate.offers() for candidate in candidates]
    texts = list(dict.fromkeys([f.sentence for right, wrong in offers for f in right] +
                               [text for _, wrong in offers for text in wrong]))
    articles = [Article(f"example-{n}", "rules learn", text, hashlib.sha256(text.encode()).hexdigest())
                for n, text in enumerate(texts)]
    matcher = Matcher(compile_patterns(pipeline.rules_dir, [c.pattern for c in candidates]))
    found: dict[str, list[Quote]] = {}
    for parsed, _ in pipeline.run(articles):
        text, marks = parsed.article.text, pipeline.matcher.marks.find(parsed.article.text)
        found[text] = [q for sentence in parsed.sentences for q in matcher.sentence_quotes(
            parsed.article.id, SentenceView(sentence, marks), marks, text, claim=False)]
    for candidate, (right, wrong) in zip(candidates, offers):
        positives = []
        for firing in right:
            mine = [q for q in found.get(firing.sentence, []) if q.rule_id == candidate.pattern["id"] and q.cue
                    and firing.quote.cue and q.cue.text == firing.quote.cue.text]
            if mine and len(positives) < POSITIVES:
                quote = mine[0]
                positives.append({"text": firing.sentence,
                                  "speaker": quote.speaker_span.text if quote.speaker_span else None,
                                  "cue": quote.cue.text, "content": quote.content.text})
        negatives = [text for text in wrong if any(q.rule_id == candidate.pattern["id"] for q in found.get(text, []))]
        candidate.examples = (positives, negatives[:NEGATIVES])


def best_per_gold(candidates: list[Candidate]) -> list[Candidate]:
    """Ranked by new gold found, then the precision of what they add; a candidate whose new finds a better one already has is dropped
    (the two levels of one configuration often find the same)."""
    ranked = sorted(candidates, key=lambda c: (-len(c.new), -c.added_precision, -len(c.found), c.pattern["id"]))
    kept, taken = [], set()
    for candidate in ranked:
        if candidate.level == "extend" or not candidate.new <= taken or not candidate.new:
            kept.append(candidate)
            taken |= candidate.new
    return kept


def write(learned: Learned, out: Path, sources: list[str], settings: Settings) -> None:
    header = ("# Candidate attribution patterns learned by `quotetrack rules learn`, for review.\n"
              "# figures: gold_found = gold attributions it finds, new = those the current rules miss,\n"
              "# fires = quotes it gives, right = those matching gold, precision = right / fires,\n"
              "# articles = different articles with a right quote, added_fires = its quotes at a cue no\n"
              "# current rule has (what merging it adds), added_precision = the share of those right,\n"
              "# held_out_fires, held_out_precision = a lemma list chosen again on half the articles and\n"
              "# measured on the other half (others: their quotes in that half): a list that memorises\n"
              "# the articles it was learned on falls there. Copy what earns its place into\n"
              "# rules/patterns.yml (and cue words into rules/cues.yml), then `quotetrack rules test`.\n")
    body = yaml.safe_dump(learned.document(sources, settings), sort_keys=False, allow_unicode=True, width=120)
    out.write_text(header + body, encoding="utf-8")
