"""The speaker sieve's own examples (rules/speakers.yml `examples`): each story's quote gets the
speaker, kind and role given, and never the speaker it must not get."""

import pytest
import yaml
from conftest import RULES_DIR

from quotetrack.run.pipeline import BuildReport

EXAMPLES = yaml.safe_load((RULES_DIR / "speakers.yml").read_text(encoding="utf-8"))["examples"]


@pytest.fixture(scope="module")
def quotes(pipeline, tmp_path_factory):
    """Each example as a text file read by ingest, as a user's article is (ingest reads its headline and
    dateline)."""
    folder = tmp_path_factory.mktemp("speaker-examples")
    for i, example in enumerate(EXAMPLES):
        text = example["text"] if "\n\n" in example["text"] else f"Example {i}\n\n{example['text']}"  # a headline
        (folder / f"example-{i}.txt").write_text(text + "\n", encoding="utf-8")
    return {parsed.article.id: found for parsed, found in pipeline.run(pipeline.read(folder, BuildReport()))}


@pytest.mark.parametrize("index", range(len(EXAMPLES)), ids=[e["content"] for e in EXAMPLES])
def test_speaker_example(quotes, index):
    example = EXAMPLES[index]
    if example.get("todo"):
        pytest.xfail(example["todo"])
    found = [q for q in quotes[f"example-{index}"] if example["content"] in q.content.text]
    assert found, f"no quote holds {example['content']!r}"
    quote = found[0]
    if "speaker" in example or example.get("kind") in ("generic", "anonymous"):
        assert quote.speaker == example.get("speaker"), quote.speaker_span
    if "kind" in example:
        assert quote.speaker_kind == example["kind"], quote.speaker_span
    if "role" in example or example.get("no_role"):
        assert quote.role == example.get("role"), quote.speaker_span
    if "not_speaker" in example:
        assert quote.speaker != example["not_speaker"]
