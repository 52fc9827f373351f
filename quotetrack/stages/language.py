"""Language identification for ingest: the parser and rules read English only.

py3langid (a maintained langid.py, its model inside the package) gives a language
and a probability; a text is only called non-English when it is long enough and
the call is confident, so a short English note is never thrown away.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

ENGLISH = "en"
MIN_WORDS = 15  # below this a guess is noise: the text passes as English
MIN_PROBABILITY = 0.9  # a non-English call needs at least this probability
SAMPLE_CHARS = 5000  # the opening of a long article decides its language


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1, e.g. "en", "fr"
    probability: float

    @property
    def is_english(self) -> bool:
        return self.code == ENGLISH or self.probability < MIN_PROBABILITY


@functools.cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify(text: str) -> Language | None:
    """The language of ``text``, or ``None`` when it is too short to tell."""
    sample = text[:SAMPLE_CHARS]
    if len(sample.split()) < MIN_WORDS:
        return None
    code, probability = _identifier().classify(sample)
    return Language(str(code), float(probability))
