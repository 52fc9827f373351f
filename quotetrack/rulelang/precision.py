"""Measured confidence: each attribution rule's precision on annotated news, read from ``precision.yml``.

``quotetrack rules score GOLD --write`` writes the file; the pipeline gives each quote its rule's
figure as ``confidence`` (the loader reads the file: ``Rules.precision``). A rules folder without
the file gives no confidence (None).
"""

from __future__ import annotations

from pathlib import Path

import yaml

PRECISION_FILE = "precision.yml"


def write_precision(rules_dir: str | Path, measured_on: str, figures: dict[str, tuple[int, int]]) -> Path:
    """Write ``precision.yml``: rule id → (quotes, correct), with where they were measured."""
    path = Path(rules_dir) / PRECISION_FILE
    rules = {rule: {"precision": round(correct / quotes, 3), "quotes": quotes, "correct": correct}
             for rule, (quotes, correct) in sorted(figures.items()) if quotes}
    header = ("# Each attribution rule's precision, measured on annotated news: the confidence stored with\n"
              "# each quote it finds. Written by `quotetrack rules score GOLD --write` (on training data,\n"
              "# never on the split rules are chosen on); run it again after changing the rules.\n")
    body = yaml.safe_dump({"measured_on": measured_on, "rules": rules}, sort_keys=False, width=120)
    path.write_text(header + body, encoding="utf-8")
    return path
