"""Security and privacy v3 (#27): findings 3 and 4 over plain HTTP, against a served app.

    .venv/bin/python benchmarks/attacks_privacy_v3.py [--people 30] [--fakes 25]

Starts ``python main.py serve`` (2 workers; benchmarks/serving.py) over a fresh SQLite database with
``--people`` earlier text analyses of distinct owners, then plays the attacks:

3. Made-up people: a victim writes a text with a rare word; the attacker sends ``--fakes`` texts of four words
   each, every one with a fresh token (a POST without one gets one); is the victim's word in the public list?
4. Before/after: the attacker reads /api/v1/history/text, the victim analyses a text (its answer holds its
   traits and word count, the truth to compare with), the attacker reads again and computes
   n x mean after - (n - 1) x mean before for each trait and the word count.

Run it on an older checkout for the "before" figures: it only speaks HTTP and seeds rows through the tables
every version has. Nothing leaves the loopback interface.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from benchmarks.attacks_privacy import VICTIM_TEXT, MARKER, Browser, _json, seed_text_rows  # noqa: E402
from benchmarks.serving import Server  # noqa: E402
from sample_texts import ESSAY  # noqa: E402

TRAITS = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")
FILLER = " ".join(["apples", "and", "pears", "and", "plums", "and", "grapes", "."] * 8)


def made_up_people(server: Server, fakes: int) -> dict:
    victim = Browser(server)
    victim.post("/api/v1/text", {"text": VICTIM_TEXT})
    statuses = [Browser(server).post("/api/v1/text", {"text": FILLER})[0] for _ in range(fakes)]
    public = _json(Browser(server).get("/api/v1/history/text")[2])
    return {"fakes_answered": statuses.count(200), "count": public.get("count"),
            "victim_word_public": MARKER in json.dumps(public.get("top_words")),
            "top_words": public.get("top_words")}


def before_and_after(server: Server) -> dict:
    attacker = Browser(server)
    before = _json(attacker.get("/api/v1/history/text")[2])
    answer = _json(Browser(server).post("/api/v1/text", {"text": ESSAY})[2])
    after = _json(attacker.get("/api/v1/history/text")[2])
    out = {}
    for trait in TRAITS:
        b, a = before["traits"].get(trait), after["traits"].get(trait)
        if not (a and b):
            out[trait] = "not published"
            continue
        recovered = a["n"] * a["mean"] - b["n"] * b["mean"]
        out[trait] = {"truth": round(answer["traits"][trait], 4), "recovered": round(recovered, 4),
                      "error": round(abs(recovered - answer["traits"][trait]), 4)}
    b, a = before.get("word_count"), after.get("word_count")
    if a and b:
        recovered = a["n"] * a["mean"] - b["n"] * b["mean"]
        out["word_count"] = {"truth": answer["word_count"], "recovered": round(recovered, 1),
                             "error": round(abs(recovered - answer["word_count"]), 1)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument("--fakes", type=int, default=25)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="esapr-privacy-v3-"))
    url = f"sqlite:///{folder / 'privacy.sqlite3'}"
    seed_text_rows(url, args.people, seed=27)
    with Server(url, workers=2, warm_models=False, env={"ESAPR_RATE_LIMITS": "0"}) as server:
        print(json.dumps({"finding_4_before_after": before_and_after(server)}, indent=1), flush=True)
        print(json.dumps({"finding_3_made_up_people": made_up_people(server, args.fakes)}, indent=1), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
