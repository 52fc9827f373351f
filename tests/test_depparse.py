"""The sped-up dependency parser (quotetrack.stages.depparse) gives Stanza's own trees and labels."""

import numpy
import stanza
from conftest import EXAMPLES_DIR
from stanza.models.common.chuliu_edmonds import chuliu_edmonds_one_root

from quotetrack.stages.depparse import one_root_tree, speed_up
from quotetrack.stages.parse import PARAGRAPH, PIPELINE_OPTIONS, PROCESSORS, Parser


def test_one_root_tree_is_stanzas_tree():
    generator = numpy.random.default_rng(7)
    for length in [2, 3, 5, 10, 40, 120] * 20:
        scores = generator.normal(size=(length, length)).astype(numpy.float32) * 4 - 6
        numpy.fill_diagonal(scores, -numpy.inf)  # as the parser masks them
        tree = one_root_tree(scores)
        assert list(tree[1:]) == list(chuliu_edmonds_one_root(scores)[1:])
        assert (tree[1:] == 0).sum() == 1


def test_the_sped_up_parser_parses_as_stanza_does():
    paragraphs = [match.group() for path in sorted(EXAMPLES_DIR.glob("*.txt"))
                  for match in PARAGRAPH.finditer(path.read_text()) if match.group().strip()]
    stock = stanza.Pipeline("en", dir=str(Parser().model_dir), processors=PROCESSORS, download_method=None,
                            logging_level="WARN", **PIPELINE_OPTIONS)

    def parses(nlp):
        documents = nlp.bulk_process([stanza.Document([], text=text) for text in paragraphs])
        return [(word.text, word.head, word.deprel) for document in documents for sentence in document.sentences
                for word in sentence.words]

    expected = parses(stock)
    assert len(expected) > 3000
    assert parses(Parser().pipeline) == expected


def test_a_parser_that_repairs_head_constraints_keeps_stanzas_prediction():
    nlp = stanza.Pipeline("en", dir=str(Parser().model_dir), processors=PROCESSORS, download_method=None,
                          logging_level="WARN", depparse_resolve_head_constraints=True, **PIPELINE_OPTIONS)
    processor = nlp.processors["depparse"]
    assert processor.config["resolve_head_constraints"] is True
    assert not speed_up(processor) and "predict" not in vars(processor.trainer.model)
    assert [word.deprel for word in nlp("Smith said the plan would fail.").sentences[0].words][:2] == ["nsubj", "root"]
