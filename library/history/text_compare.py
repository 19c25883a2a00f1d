"""One text analysis beside the earlier ones: means, percentiles, words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from library.history.figures import Earlier


def compare_text(analysis, earlier: Earlier, trait_names: Sequence[str],
                 min_users_for_words: int) -> dict[str, Any]:
    """Everything the text dashboard shows, as plain data.

    ``analysis`` is one stored text analysis (``TextAnalysis``: traits, word count, top words);
    ``earlier`` the stored analyses that came before it (library/history/figures.py). Earlier
    users' words appear only once ``min_users_for_words`` people have written (else []).
    """
    traits_matrix = earlier.present("traits")  # rows with every trait, columns in trait_names order
    release = earlier.release  # everyone's means as published (library/history/disclosure.py)
    traits = []
    for index, name in enumerate(trait_names):
        value = float(analysis.traits[name])
        others = traits_matrix[:, index]
        rank, tied = release.percentile(f"traits.{name}", value, others)
        traits.append({
            "trait": name,
            "probability": value,
            "earlier_mean": release.mean(f"traits.{name}", others),
            "percentile": rank,
            "tied": tied,
        })
    word_counts = earlier.present("word_count")
    return {
        "n_earlier": int(traits_matrix.shape[0]),
        "traits": traits,
        "word_count": analysis.word_count,
        "word_count_percentile": release.percentile("word_count", analysis.word_count, word_counts)[0],
        "earlier_word_count_mean": release.mean("word_count", word_counts),
        "top_words": [(str(w), int(c)) for w, c in analysis.top_words],
        "everyone_top_words": earlier.top_words(15, min_users_for_words),
    }
