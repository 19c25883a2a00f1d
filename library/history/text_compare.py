"""One text analysis beside the earlier ones: means, percentiles, words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from library.history.compare import merge_word_counts, percentile, summarise_traits


def compare_text(scores: dict[str, Any], earlier: Sequence[dict[str, Any]], trait_names: Sequence[str]) -> dict[str, Any]:
    """Everything the text dashboard shows, as plain data.

    ``scores`` is one stored text analysis (``traits``, ``word_count``, ``top_words``);
    ``earlier`` the stored analyses that came before it.
    """
    earlier_traits = [row["traits"] for row in earlier if "traits" in row]
    summary = summarise_traits(earlier_traits, trait_names)
    traits = []
    for name in trait_names:
        value = float(scores["traits"][name])
        others = [float(row[name]) for row in earlier_traits if name in row]
        traits.append({
            "trait": name,
            "probability": value,
            "earlier_mean": summary.get(name, {}).get("mean"),
            "percentile": percentile(value, others),
        })
    word_counts = [int(row["word_count"]) for row in earlier if "word_count" in row]
    return {
        "n_earlier": len(earlier_traits),
        "traits": traits,
        "word_count": int(scores["word_count"]),
        "word_count_percentile": percentile(int(scores["word_count"]), word_counts),
        "earlier_word_count_mean": (sum(word_counts) / len(word_counts)) if word_counts else None,
        "top_words": [(str(w), int(c)) for w, c in scores.get("top_words", [])],
        "everyone_top_words": merge_word_counts(row.get("top_words", []) for row in earlier),
    }
