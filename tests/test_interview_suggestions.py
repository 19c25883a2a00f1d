"""The suggestion catalogue and the report bundle."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from library.emotions import EMOTIONS
from library.interview import (KINDS, STATEMENT, STATES, CatalogueError, build_report, fuse, load_catalogue,
                               load_reliability, suggest)
from library.interview.suggestions import DEFAULT_PATH

ROOT = Path(__file__).resolve().parent.parent


def test_every_state_has_three_to_five_suggestions():
    cat = load_catalogue()
    assert set(cat.suggestions) == set(EMOTIONS) | {"mixed"} == set(STATES)
    for state, items in cat.suggestions.items():
        assert 3 <= len(items) <= 5, state
        assert all(s.kind in KINDS and s.text and s.why for s in items)
    assert "not therapy" in cat.note


def test_catalogue_is_offline_and_names_no_phone_numbers():
    raw = DEFAULT_PATH.read_text(encoding="utf-8")
    assert "http" not in raw and "www." not in raw
    assert not re.search(r"\d{3}", raw)  # no phone numbers of any country


def test_suggest_gives_the_first_n_in_file_order():
    cat = load_catalogue()
    assert suggest("sad", cat) == cat.suggestions["sad"][:3]
    assert suggest("sad", cat, n=1) == cat.suggestions["sad"][:1]
    assert suggest("sad", cat, n=99) == cat.suggestions["sad"]
    assert suggest(SimpleNamespace(state="mixed"), cat, n=2) == cat.suggestions["mixed"][:2]
    assert suggest("happy") == load_catalogue().suggestions["happy"][:3]  # shipped file by default
    with pytest.raises(ValueError, match="unknown state"):
        suggest("bored", cat)
    with pytest.raises(ValueError):
        suggest("sad", cat, n=0)


def _entries(state: str, n: int, kind: str = "activity") -> str:
    return "".join(f'[[suggestions.{state}]]\nkind = "{kind}"\ntext = "do {i}"\nwhy = "because {i}"\n'
                   for i in range(n))


def _catalogue(**override) -> str:
    parts = ['note = "Not therapy."\n']
    for state in STATES:
        parts.append(override.get(state, _entries(state, 3)))
    return "".join(parts)


@pytest.mark.parametrize("text, message", [
    ("note = \n", "not valid TOML"),
    (_catalogue().replace('note = "Not therapy."\n', ""), "note must be non-empty"),
    (_catalogue(sad=""), "no suggestions for 'sad'"),
    (_catalogue(sad=_entries("sad", 2)), "give 3 to 5"),
    (_catalogue(sad=_entries("sad", 6)), "give 3 to 5"),
    (_catalogue(sad=_entries("sad", 3, kind="podcast")), "kind 'podcast'"),
    (_catalogue() + _entries("bored", 3), "unknown state"),
    (_catalogue(sad=_entries("sad", 3).replace('why = "because 0"', 'why = ""')), "why must be non-empty"),
    (_catalogue(sad=_entries("sad", 3) + 'url = "x"\n'), "unknown key"),
])
def test_malformed_catalogue_is_a_clear_error(tmp_path, text, message):
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match=message):
        load_catalogue(path)


def test_custom_catalogue_loads_and_missing_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(_catalogue(), encoding="utf-8")
    assert suggest("fear", path)[0].text == "do 0"
    with pytest.raises(CatalogueError, match="no suggestion catalogue"):
        load_catalogue(tmp_path / "absent.toml")


def test_report_bundles_reading_weaknesses_suggestions_and_statement():
    fused = fuse({"video": {"happy": 0.7, "neutral": 0.3}, "audio": None, "text": {"happy": 0.8}},
                 {"video": 0.6, "text": 0.6})
    report = build_report(fused, load_reliability(fallback={"audio": 0.5}))
    out = json.loads(json.dumps(report.to_dict()))
    assert set(out["reliability"]) == {"video", "text"}  # the channels used
    assert all(out["reliability"][c]["weaknesses"] for c in ("video", "text"))
    assert [s["text"] for s in out["suggestions"]] == [s.text for s in suggest(fused.state)]
    assert "not therapy" in out["suggestions_note"]
    assert out["statement"] == STATEMENT


def test_statement_is_the_how_it_works_page_statement():
    page = (ROOT / "templates" / "pages" / "about.html").read_text(encoding="utf-8")
    assert STATEMENT in " ".join(page.split())
