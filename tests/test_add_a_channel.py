"""docs/architecture.md's "Add a channel" recipe, followed with a toy channel in a copy of the code.

The toy ("pulse": a figure per answer, no model of its own, no pages) is added by editing only files the recipe
names; a fresh process over the copy must then find it everywhere channels are listed: the interview's steps,
the stored kinds, the store, the history CSV route, the OpenAPI enums, the fusion's reliability and the charts.
If a list of channels were still written by hand somewhere, the toy would be missing from it and this fails;
if the recipe named a file that no longer exists, this fails too.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("library", "web", "templates", "main.py")

TOY_RESULT = '''from dataclasses import dataclass


@dataclass
class PulseAnalysis:
    bpm: float

    def to_dict(self):
        return {"bpm": self.bpm}

    @classmethod
    def from_dict(cls, scores):
        return cls(bpm=float(scores["bpm"]))
'''
TOY_CHANNEL = '''    Channel("pulse", "pulse", "Your pulse", "Pulse (video answer)", "pulse answer", (), "pulse/pulse.json",
            listed=3, timeline=False, spoken=False, colour="#cc3344", caveats=("A toy.",),
            result=lambda: __import__("library.pulse.result", fromlist=["PulseAnalysis"]).PulseAnalysis),
)}'''

# Each file the toy touches, and what it does to it (the recipe's steps that a channel without pages needs).
EDITS = {
    "library/pulse/__init__.py": lambda text: "",
    "library/pulse/result.py": lambda text: TOY_RESULT,
    "library/registry.py": lambda text: text.replace("\n)}\n", "\n" + TOY_CHANNEL + "\n", 1),
    "library/interview/questions.toml": lambda text: text + '\npulse = ["How are you right now?"]\n',
    "library/interview/reliability.py": lambda text: text + '\n_READERS["pulse"] = lambda meta: (0.5, "toy", [])\n',
    "library/history/figures.py": lambda text: text + '\nFIELDS["pulse"] = {"bpm": (("bpm",), None)}\n',
}

CHECK = '''
import json, sys
from main import create_app
from library.interview import STEPS, load_questions
from library.interview.reliability import load_reliability
from library.pulse.result import PulseAnalysis
from library.stored_kinds import KINDS
from web.charts import CHANNEL_NAMES

app = create_app({"TESTING": True, "SECRET_KEY": "k", "INSTANCE_PATH": sys.argv[1] + "/instance",
                  "DATABASE_URL": "sqlite:///" + sys.argv[1] + "/h.sqlite3", "MODEL_LOADERS": {}})
store = app.extensions["esapr_store"]
stored = store.add("pulse", PulseAnalysis(bpm=72.0))
client = app.test_client()
doc = client.get("/api/v1/openapi.json").get_json()
csv = client.get("/api/v1/history/pulse.csv")
print(json.dumps({
    "steps": list(STEPS), "kinds": list(KINDS), "question": load_questions()["pulse"],
    "read_back": store.get(stored.id).result.bpm,
    "enum": doc["components"]["schemas"]["StoredAnalysis"]["properties"]["channel"]["enum"],
    "csv": [csv.status_code, csv.get_data(as_text=True)],
    "caveats": load_reliability()["pulse"].weaknesses, "chart_name": CHANNEL_NAMES["pulse"],
}))
'''


def recipe_files() -> set[str]:
    """The paths the recipe names, ``<name>`` as given."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Add a channel", 1)[1].split("\n## ", 1)[0]
    files = section.split("The files you touch", 1)[1]
    return {p.rstrip("/") for p in re.findall(r"^- `([^`]+)`|and `([^`]+/)`", files, re.M) for p in p if p}


def test_the_recipe_names_files_that_exist():
    named = recipe_files()
    assert {"library/registry.py", "library/<name>", "web/<name>", "templates/<name>"} <= named
    for path in named:
        assert "<name>" in path or (ROOT / path).exists(), f"the recipe names {path}, which does not exist"


def test_a_toy_channel_added_by_the_recipe_is_listed_everywhere(tmp_path):
    copy = tmp_path / "repo"
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "train"))
        else:
            shutil.copy(source, copy / name)
    named = {p.replace("<name>", "pulse") for p in recipe_files()}
    for path, edit in EDITS.items():
        in_recipe = path in named or any(path.startswith(p + "/") for p in named)
        assert in_recipe, f"the toy touched {path}, which the recipe does not name"
        target = copy / path
        target.parent.mkdir(parents=True, exist_ok=True)
        before = target.read_text(encoding="utf-8") if target.exists() else ""
        after = edit(before)
        assert after != before or not before
        target.write_text(after, encoding="utf-8")

    done = subprocess.run([sys.executable, "-c", CHECK, str(tmp_path)], cwd=copy, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(copy)})
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["steps"] == ["video", "audio", "text", "pulse"]  # the interview asks it last, as registered
    assert found["kinds"] == ["text", "video", "audio", "pulse", "interview"]  # the site's order, by ``listed``
    assert found["enum"] == found["kinds"]
    assert found["question"] == ["How are you right now?"]
    assert found["read_back"] == 72.0
    status, csv = found["csv"]
    assert status == 200 and csv.splitlines()[1].startswith("analyses,1")
    assert found["caveats"] == ["A toy."] and found["chart_name"] == "Pulse"
