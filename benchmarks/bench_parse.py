#!/usr/bin/env python
"""Parse benchmark: where Stanza's time goes, and what CPU settings buy at what accuracy.

Prints numbers; asserts nothing. For each setting, in one process and one run (the
machines are shared: compare the columns of one run, not runs):

- UD test (``../shared/models/ud/en_combined.test.conllu.xz``, gold tokens): UPOS and
  LAS of the pos and depparse models under the setting, and words/s;
- news text (PolNeAR train articles, ``--limit``), the whole pipeline quotetrack runs
  (tokenize, mwt, pos, lemma, depparse; one ``bulk_process`` per batch of articles):
  tokens/s and the time of each processor;
- a peer column: a plain ``stanza.Pipeline`` with Stanza's default settings (one
  ``nlp(text)`` per article, no ``mwt_dict_only``) on the same articles.

Settings, each a name with ``+``-joined modifiers:

- ``stanza``: the parser's prediction as Stanza makes it (what quotetrack ran before
  ``depparse.speed_up``); ``fast``: quotetrack's parser (``parse.load_stanza``);
- ``+threads=N``: ``torch.set_num_threads(N)``; ``+int8``: dynamic int8 quantization
  (``torch.ao.quantization.quantize_dynamic``) of every LSTM and Linear layer; ``+sorted``:
  articles sorted by length before batching;
- ``+processes=N``: the build's work stage (``Pipeline.work``: parse, then match and
  resolve) in N worker processes through ``pool.ProcessRunner``, one PyTorch thread per
  core each; no per-processor times, and UD scores are those of the same parser in this process.

    python benchmarks/bench_parse.py --limit 64 --ud-sentences 1000
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import time
from collections import defaultdict
from pathlib import Path

DEFAULT_UD = Path(__file__).resolve().parent.parent.parent / "shared" / "models" / "ud" / "en_combined.test.conllu.xz"
DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "polnear" / "data" / "train" / "text"


def read_conllu(path: Path, limit: int | None) -> list[list[tuple[str, str, int, str]]]:
    """Sentences as (form, upos, head, deprel) per syntactic word; ranges and empty nodes left out."""
    sentences, words = [], []
    for line in lzma.open(path, "rt", encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            if words:
                sentences.append(words)
                words = []
                if limit and len(sentences) >= limit:
                    break
            continue
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if "-" in cols[0] or "." in cols[0]:
            continue
        words.append((cols[1], cols[3], int(cols[6]), cols[7]))
    return sentences


def load(model_dir: str, setting: str, ud: bool = False):
    """A Stanza pipeline for ``setting``: quotetrack's processors (pretokenized for UD), sped up or not,
    quantized or not."""
    import stanza

    from quotetrack.stages.depparse import speed_up
    from quotetrack.stages.parse import PIPELINE_OPTIONS, PROCESSORS

    options = {"tokenize_pretokenized": True} if ud else PIPELINE_OPTIONS
    nlp = stanza.Pipeline("en", dir=model_dir, processors="tokenize,pos,lemma,depparse" if ud else PROCESSORS,
                          download_method=None, logging_level="WARN", **options)
    if setting.startswith("fast"):
        speed_up(nlp.processors["depparse"])
    return quantize(nlp) if "+int8" in setting else nlp


def quantize(nlp):
    """Make ``nlp``'s processors run their LSTM and Linear layers in dynamic int8; returns it."""
    import torch

    for processor in nlp.processors.values():
        trainer = getattr(processor, "_trainer", None)
        model = getattr(trainer, "model", None)
        if model is not None:
            trainer.model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.LSTM, torch.nn.Linear},
                                                                   dtype=torch.qint8)
    return nlp


class ProcessorClock:
    """Seconds inside each processor's ``bulk_process`` (instance attributes: this pipeline only)."""

    def __init__(self, nlp):
        self.seconds = defaultdict(float)
        for name, processor in nlp.processors.items():
            original = processor.bulk_process

            def timed(docs, *args, _original=original, _name=name, **kwargs):
                started = time.perf_counter()
                try:
                    return _original(docs, *args, **kwargs)
                finally:
                    self.seconds[_name] += time.perf_counter() - started

            processor.bulk_process = timed


def ud_scores(nlp, sentences) -> dict:
    started, cpu = time.perf_counter(), time.process_time()
    doc = nlp([[form for form, *_ in words] for words in sentences])
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    total = upos = las = 0
    for gold, predicted in zip(sentences, doc.sentences):
        for (form, gold_upos, head, deprel), word in zip(gold, predicted.words):
            total += 1
            upos += word.upos == gold_upos
            las += word.head == head and word.deprel.split(":")[0] == deprel.split(":")[0]  # CoNLL 2018 LAS
    return {"words": total, "UPOS": 100 * upos / total, "LAS": 100 * las / total, "wall_s": wall, "cpu_s": cpu,
            "words_per_s": total / wall}


def news_pass(nlp, articles, batch: int, sort: bool) -> dict:
    import stanza

    from quotetrack.stages.parse import PARAGRAPH

    order = sorted(articles, key=lambda a: len(a.text)) if sort else articles
    clock = ProcessorClock(nlp)
    tokens = 0
    started, cpu = time.perf_counter(), time.process_time()
    for first in range(0, len(order), batch):
        paragraphs = [m.group() for a in order[first:first + batch] for m in PARAGRAPH.finditer(a.text)
                      if m.group().strip()]
        for document in nlp.bulk_process([stanza.Document([], text=text) for text in paragraphs]):
            tokens += sum(len(s.words) for s in document.sentences)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    for processor in nlp.processors.values():
        del processor.bulk_process
    return {"tokens": tokens, "wall_s": wall, "cpu_s": cpu, "tokens_per_s": tokens / wall,
            "processors_s": dict(clock.seconds)}


def pool_pass(model_dir: str, articles, batch: int, processes: int) -> dict:
    """The build's work stage (parse, match, resolve) through ``pool.ProcessRunner``, workers started first."""
    from quotetrack.run.pipeline import Pipeline
    from quotetrack.run.pool import ProcessRunner
    from quotetrack.stages.parse import decode

    with ProcessRunner(Pipeline(model_dir=model_dir), processes) as runner:
        list(runner([[(article, None)] for article in articles[:1]] * 2 * processes))  # workers load Stanza
        tokens = 0
        started, cpu = time.perf_counter(), time.process_time()
        work = ([(article, None) for article in articles[first:first + batch]]
                for first in range(0, len(articles), batch))
        for done in runner(work):
            tokens += sum(len(sentence.words) for _, blob in done.parses for sentence in decode(blob))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"tokens": tokens, "wall_s": wall, "cpu_s": cpu, "tokens_per_s": tokens / wall, "processors_s": {}}


def peer_pass(model_dir: str, articles) -> dict:
    """A plain stanza.Pipeline, Stanza's defaults: one call per article."""
    import stanza

    nlp = stanza.Pipeline("en", dir=model_dir, processors="tokenize,mwt,pos,lemma,depparse",
                          download_method=None, logging_level="WARN")
    tokens = 0
    started, cpu = time.perf_counter(), time.process_time()
    for article in articles:
        tokens += sum(len(s.words) for s in nlp(article.text).sentences)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"tokens": tokens, "wall_s": wall, "cpu_s": cpu, "tokens_per_s": tokens / wall}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ud", type=Path, default=DEFAULT_UD)
    parser.add_argument("--ud-sentences", type=int, help="only the first N UD test sentences")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=10, help="news articles to parse per setting")
    parser.add_argument("--batch", type=int, default=32, help="articles per bulk_process call")
    parser.add_argument("--settings", default="stanza,fast,fast+threads=1,fast+processes=2",
                        help="comma-separated: stanza or fast, each with +threads=N, +int8, +sorted, +processes=N")
    parser.add_argument("--models", type=Path, help="Stanza resources folder (default: quotetrack's)")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    import stanza
    import torch

    from quotetrack.run.pipeline import BuildReport, Pipeline
    from quotetrack.stages.parse import resolve_model_dir

    model_dir = str(resolve_model_dir(args.models))
    articles = Pipeline(model_dir=model_dir).read(args.corpus, BuildReport())[:args.limit]
    ud = read_conllu(args.ud, args.ud_sentences)
    default_threads = torch.get_num_threads()
    results = {"machine": {"cpus": os.cpu_count(), "torch": torch.__version__, "stanza": stanza.__version__,
                           "torch_threads": default_threads, "load": os.getloadavg()[0]},
                "articles": len(articles), "ud_sentences": len(ud), "settings": {}}
    pipelines = {}  # (base setting, int8, UD or not) → the pipeline, loaded once
    for setting in args.settings.split(","):
        name, *modifiers = setting.split("+")
        options = dict(modifier.partition("=")[::2] for modifier in modifiers)
        key = (name, "int8" in options)
        for ud_side in (False, True):
            if (*key, ud_side) not in pipelines:
                pipelines[(*key, ud_side)] = load(model_dir, setting, ud=ud_side)
        torch.set_num_threads(int(options.get("threads") or default_threads))
        with torch.inference_mode():
            scores = ud_scores(pipelines[(*key, True)], ud)
            if "processes" in options:
                news = pool_pass(model_dir, articles, args.batch, int(options["processes"]))
            else:
                news = news_pass(pipelines[(*key, False)], articles, args.batch, sort="sorted" in options)
        results["settings"][setting] = {"ud": scores, "news": news}
        print(f"[bench_parse] {setting}: {json.dumps(results['settings'][setting])}", flush=True)
    torch.set_num_threads(default_threads)
    if not args.no_peer:
        results["peer"] = peer_pass(model_dir, articles)
    results["machine"]["load_end"] = os.getloadavg()[0]
    print(json.dumps(results, indent=1) if args.json else render(results))


def render(results: dict) -> str:
    m = results["machine"]
    out = [f"parse benchmark: {results['articles']} news articles, {results['ud_sentences']} UD test sentences; "
           f"{m['cpus']} CPUs, torch {m['torch']} ({m['torch_threads']} threads), stanza {m['stanza']}, "
           f"load {m['load']:.1f} -> {m['load_end']:.1f}"]
    base = next(iter(results["settings"].values()))
    header = f"{'setting':<22}{'tokens/s':>10}{'x':>7}{'cpu s':>8}{'UD words/s':>12}{'UPOS':>8}{'LAS':>8}" \
             f"{'dUPOS':>8}{'dLAS':>8}   per processor (s)"
    out += [header, "-" * len(header)]
    for name, r in results["settings"].items():
        news, ud = r["news"], r["ud"]
        per = " ".join(f"{k} {v:.1f}" for k, v in news["processors_s"].items())
        out.append(f"{name:<22}{news['tokens_per_s']:>10.0f}{news['tokens_per_s'] / base['news']['tokens_per_s']:>7.2f}"
                   f"{news['cpu_s']:>8.1f}{ud['words_per_s']:>12.0f}{ud['UPOS']:>8.2f}{ud['LAS']:>8.2f}"
                   f"{ud['UPOS'] - base['ud']['UPOS']:>+8.2f}{ud['LAS'] - base['ud']['LAS']:>+8.2f}   {per}")
    if "peer" in results:
        peer = results["peer"]
        out.append(f"{'peer*':<22}{peer['tokens_per_s']:>10.0f}{peer['tokens_per_s'] / base['news']['tokens_per_s']:>7.2f}"
                   f"{peer['cpu_s']:>8.1f}")
        out.append("* a plain stanza.Pipeline with Stanza's default settings, one nlp(text) call per article")
    if any("processes" in name for name in results["settings"]):
        out.append("+processes=N: cpu s is this process's alone (the workers parse); tokens/s counts the wall time "
                   "of parsing, matching and resolving in the workers, model loading excluded")
    return "\n".join(out)


if __name__ == "__main__":
    main()
