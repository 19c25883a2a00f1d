"""The end of a live video answer as a person waits for it, in real Chromium: from the answer's end (the page's
"Recording done — reading your answer…") to the dashboard (the video page) or the next step (the interview).

    python benchmarks/finish_browser.py [--seconds 45] [--widths 390,1280] [--where video,interview]

Chromium (Debian's, through tests/browser.py) gets a fake camera showing the astronaut's face and a fake microphone
playing espeak-ng speech (looped: the same sentence over and over, the hardest case for Whisper's decoding); the
app is served from a thread in this process, with the real models loaded before the clock starts, as on a warm
server. The page sends its frames (5 a second) and its microphone chunks (one a second) while the answer runs.

Target (issue 24): end of a 45-s answer -> stored result median <= 3 s on this 2-core machine. What is printed
here also holds the page's own steps (the last chunk, the finish, opening the dashboard and drawing it).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def warm_dashboard(app) -> None:
    """Open one video dashboard first, as a serving worker has: the first one in a process imports the charts'
    libraries (seconds), which is not the finish's cost."""
    client = app.test_client()
    session = client.post("/api/v1/video/session").get_json()["session"]
    answer = client.post(f"/api/v1/video/session/{session}/finish").get_json()
    assert client.get(f"/video/result/{answer['id']}").status_code == 200


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=45)
    ap.add_argument("--widths", default="390,1280")
    ap.add_argument("--where", default="video,interview")
    ap.add_argument("--repeats", type=int, default=1)
    a = ap.parse_args()

    from browser import chromium_page, live_server
    from live_answer import answer_and_watch, fake_devices, open_capture
    from main import create_app
    from speech import spoken_wav

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    tmp = Path(tempfile.mkdtemp(prefix="esapr-finish-browser-"))
    app = create_app({"SECRET_KEY": "benchmark", "INSTANCE_PATH": str(tmp / "instance"),
                      "DATABASE_URL": f"sqlite:///{tmp / 'history.sqlite3'}"})
    app.config["VIDEO_DURATION_S"] = a.seconds
    devices = fake_devices(app, tmp, spoken_wav(tmp / "voice.wav"))
    warm_dashboard(app)
    sizes = {390: 844, 1280: 900}
    times: dict[str, list[float]] = {}
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (another job may hold a core); "
          f"a {a.seconds}-s answer each")
    with live_server(app) as base:
        for where in a.where.split(","):
            for width in (int(w) for w in a.widths.split(",")):
                for _ in range(a.repeats):
                    with chromium_page(devices) as page:
                        page.set_viewport_size({"width": width, "height": sizes.get(width, 900)})
                        next_url = open_capture(page, base, where)
                        watched = answer_and_watch(page, next_url, a.seconds)
                        if where == "video":
                            page.wait_for_selector("#chart-timeline.drawn svg", timeout=30_000)
                    times.setdefault(where, []).append(watched.end_to_next_page_s)
                    print(f"  {where:9s} {width:5d} px: end -> {'dashboard' if where == 'video' else 'next step'} "
                          f"{watched.end_to_next_page_s:5.2f} s; chunks sent while speaking "
                          f"{watched.chunks_while_speaking}; progress shown {' '.join(watched.shares)}; "
                          f"load average {os.getloadavg()[0]:.2f}")
    for where, values in times.items():
        med = statistics.median(values)
        print(f"{where}: median {med:.2f} s over {len(values)} answers (target <= 3 s: {'met' if med <= 3 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
