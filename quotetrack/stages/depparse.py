"""Faster prediction for Stanza's graph dependency parser (Stanza 1.15): the same trees and labels.

Stanza scores every relation label for every pair of words (an L × L × labels tensor per
sentence) and decodes each tree with a pure-Python Chu-Liu-Edmonds; on news text those
two steps took half of the parser's time. Here the tree comes from UFAL's compiled
Chu-Liu-Edmonds (``one_root_tree``) and labels are scored for the chosen head of each
word only. ``speed_up(processor)`` installs both on one loaded parser; ``tests/test_depparse.py``
checks against Stanza's own prediction.
"""

from __future__ import annotations

import types

import numpy
import torch
import torch.nn.functional as F
from stanza.models.common.vocab import VOCAB_PREFIX_SIZE
from ufal.chu_liu_edmonds import chu_liu_edmonds


def one_root_tree(scores: numpy.ndarray) -> numpy.ndarray:
    """Stanza's ``chuliu_edmonds_one_root``: each word's head (0 is the root), exactly one word on the root.

    ``scores[d, h]`` scores word ``h`` as the head of word ``d``. As Stanza does, root arcs
    are lowered by the lowest score times the length, so the best tree has one root.
    """
    scores = scores.astype(numpy.float64)  # a copy: the parser's array stays as it was
    scores[:, 0] += scores[numpy.isfinite(scores)].min() * len(scores)
    numpy.fill_diagonal(scores, numpy.nan)  # NaN: no such arc
    scores[0] = numpy.nan
    heads, _ = chu_liu_edmonds(scores)
    return numpy.asarray(heads)


class _Deferred(torch.nn.Module):
    """Stands in for the label scorer's pairwise bilinear layer: gives back its inputs, scored later."""

    def __init__(self, bilinear: torch.nn.Module):
        super().__init__()
        self.bilinear = bilinear

    def forward(self, dependents: torch.Tensor, heads: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return dependents, heads


def _predict(self, *inputs, resolve_head_constraints: bool = False):
    """``GraphParser.predict`` with labels scored at the predicted heads only."""
    if resolve_head_constraints:
        raise NotImplementedError("quotetrack's parser does not resolve head constraints")
    sentence_lengths = inputs[12]
    unlabeled, (dependents, head_inputs), *_ = self.forward_scores(*inputs)
    arc_scores = F.log_softmax(unlabeled, 2).cpu().numpy()
    heads = torch.zeros(dependents.shape[:2], dtype=torch.long)
    for i, length in enumerate(sentence_lengths):
        heads[i, 1:length] = torch.from_numpy(one_root_tree(arc_scores[i][:length, :length])[1:])
    heads = heads.to(dependents.device)
    bilinear = self.deprel.scorer.W_bilin.bilinear
    chosen = torch.gather(head_inputs, 1, heads.unsqueeze(2).expand(-1, -1, head_inputs.size(2)))
    labels = (torch.einsum("NLI,IJO,NLJ->NLO", dependents, bilinear.weight, chosen) + bilinear.bias).argmax(2)
    deprels = self.vocab["deprel"]
    labels = (labels + VOCAB_PREFIX_SIZE).cpu().tolist()
    heads = heads.cpu().tolist()
    return [[[heads[i][j], deprels.id2unit(labels[i][j])] for j in range(1, length)]
            for i, length in enumerate(sentence_lengths)]


def speed_up(processor) -> bool:
    """Give a loaded Stanza depparse ``processor`` the faster prediction; whether it could.

    A graph parser only (not the arc-embedding or transition variants), and one that does
    not repair head-constraint violations, which needs every label of every pair: Stanza
    does that where the model's settings do not turn it off (the embedded models do).
    """
    model = processor.trainer.model
    if (processor.config.get("resolve_head_constraints", True) or not hasattr(model, "deprel")
            or model.args.get("use_arc_embedding")):
        return False
    if not isinstance(model.deprel.scorer.W_bilin, _Deferred):
        model.deprel.scorer.W_bilin = _Deferred(model.deprel.scorer.W_bilin)
        model.predict = types.MethodType(_predict, model)
    return True
