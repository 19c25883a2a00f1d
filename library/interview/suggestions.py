"""Suggestions shown with the interview report, from a curated, editable catalogue file.

    suggest("sad")          # the first 3 suggestions listed for "sad"
    suggest(fused_result)   # uses fused_result.state: its dominant emotion, or "mixed"

The catalogue (``suggestions.toml`` beside this module) lists, for each of the seven
``EMOTIONS`` and for ``MIXED`` (a low-confidence or incoherent reading), 3 to 5
suggestions best first, each with a ``kind`` (activity, reading, music, video), a one-line
``text`` and a one-line ``why``, plus a ``note`` saying these are not therapy and where
help can be found. Nothing is fetched: no links, no network.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from library.emotions import EMOTIONS
from library.interview.toml_file import read_toml

MIXED = "mixed"  # the state used when the reading is not clear enough to name one emotion
STATES: tuple[str, ...] = EMOTIONS + (MIXED,)
KINDS: tuple[str, ...] = ("activity", "reading", "music", "video")
MIN_PER_STATE, MAX_PER_STATE = 3, 5  # enough to choose from, few enough to stay curated
DEFAULT_PATH = Path(__file__).resolve().parent / "suggestions.toml"


class CatalogueError(ValueError):
    """The suggestion catalogue is missing, is not TOML, or does not have the expected shape."""


@dataclass(frozen=True)
class Suggestion:
    kind: str  # one of KINDS
    text: str  # what to do, read, listen to or watch
    why: str  # one line on why it might help

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Catalogue:
    suggestions: dict[str, list[Suggestion]]  # state -> suggestions, best first, for every state in STATES
    note: str  # "not therapy; where to find help", shown with the suggestions
    source: str = ""  # the file it was read from

    def to_dict(self) -> dict:
        return {"note": self.note,
                "suggestions": {s: [x.to_dict() for x in items] for s, items in self.suggestions.items()}}


def _text(value, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where} must be non-empty text, got {value!r}")
    return " ".join(value.split())


def parse_catalogue(data: dict, source: str = "catalogue") -> Catalogue:
    """Check a decoded catalogue and return it; ``CatalogueError`` naming the problem otherwise."""
    note = _text(data.get("note"), f"{source}: note")
    table = data.get("suggestions")
    if not isinstance(table, dict):
        raise CatalogueError(f"{source}: no [[suggestions.<state>]] entries")
    unknown = sorted(set(table) - set(STATES))
    if unknown:
        raise CatalogueError(f"{source}: unknown state(s) {unknown}; the states are {list(STATES)}")
    out: dict[str, list[Suggestion]] = {}
    for state in STATES:
        items = table.get(state)
        if not isinstance(items, list) or not items:
            raise CatalogueError(f"{source}: no suggestions for {state!r} (add [[suggestions.{state}]] entries)")
        if not MIN_PER_STATE <= len(items) <= MAX_PER_STATE:
            raise CatalogueError(f"{source}: {state!r} has {len(items)} suggestions; "
                                 f"give {MIN_PER_STATE} to {MAX_PER_STATE}")
        parsed = []
        for i, item in enumerate(items, 1):
            where = f"{source}: {state} suggestion {i}"
            if not isinstance(item, dict):
                raise CatalogueError(f"{where} must be a table with kind, text and why")
            extra_keys = sorted(set(item) - {"kind", "text", "why"})
            if extra_keys:
                raise CatalogueError(f"{where} has unknown key(s) {extra_keys}")
            kind = item.get("kind")
            if kind not in KINDS:
                raise CatalogueError(f"{where}: kind {kind!r} is not one of {list(KINDS)}")
            parsed.append(Suggestion(kind=kind, text=_text(item.get("text"), f"{where}: text"),
                                     why=_text(item.get("why"), f"{where}: why")))
        out[state] = parsed
    return Catalogue(suggestions=out, note=note, source=source)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and check the catalogue (default: the shipped ``suggestions.toml``), at each call."""
    path = Path(path) if path is not None else DEFAULT_PATH
    return parse_catalogue(read_toml(path, CatalogueError, "suggestion catalogue"), str(path))


def suggest(fused_state, catalogue: Catalogue | str | Path | None = None, n: int = 3) -> list[Suggestion]:
    """The first ``n`` suggestions (file order: the curators list them best first) for a state.

    ``fused_state`` is a state name (an emotion or ``"mixed"``) or any object with a
    ``state`` attribute, such as a ``FusedResult``. ``catalogue`` is a loaded
    ``Catalogue``, a path to a catalogue file, or None for the shipped one. Fewer than
    ``n`` come back when the state has fewer. Raises ``ValueError`` for an unknown state
    or ``n < 1``.
    """
    state = getattr(fused_state, "state", fused_state)
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}; the states are {list(STATES)}")
    if n < 1:
        raise ValueError("n must be at least 1")
    if not isinstance(catalogue, Catalogue):
        catalogue = load_catalogue(catalogue)
    return list(catalogue.suggestions[state][:n])
