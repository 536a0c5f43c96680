"""Text normalisation and near-duplicate detection for task prompts."""

from __future__ import annotations

import re
import unicodedata

NEAR_DUPLICATE_JACCARD = 0.9
"""Two prompts whose character 5-gram sets overlap this much are near-duplicates."""

_NON_WORD = re.compile(r"[^\w]+")


def normalise_prompt(text: str) -> str:
    """Case-, accent-, width-, punctuation- and whitespace-insensitive form of a prompt."""
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def _shingles(text: str, n: int = 5) -> set[str]:
    norm = normalise_prompt(text)
    return {norm[i : i + n] for i in range(max(1, len(norm) - n + 1))}


def ngram_jaccard(a: str, b: str) -> float:
    """Jaccard overlap of the character 5-gram sets of two normalised prompts."""
    sa, sb = _shingles(a), _shingles(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


def is_near_duplicate(a: str, b: str, threshold: float = NEAR_DUPLICATE_JACCARD) -> bool:
    """Whether two prompts are the same task up to trivial edits."""
    return ngram_jaccard(a, b) >= threshold
