"""A worker from start to serving: time to the first page, memory with every model loaded, the first analysis
per channel; prints figures, asserts nothing.

    .venv/bin/python benchmarks/startup.py [--warm-models 1|0]

Starts ``python main.py serve`` with one worker (benchmarks/serving.py) over a fresh SQLite file:
- start to first page: from launching the process to the first 200 on GET /;
- warm RSS: the worker's resident memory once the background warm-up has loaded every model
  (library/registry.WARM_UP) and the CPU has gone quiet — the figure a machine's memory is planned by;
- first analysis per channel after that (text, one live frame, a spoken answer), then a second one, so
  the cost of anything still loaded lazily shows as the difference.
With ``--warm-models 0`` the worker loads nothing in advance and the first analyses carry the loading.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT, ROOT / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from benchmarks.load import Client, Markers, Payloads  # noqa: E402
from benchmarks.serving import Server, rss_mb  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warm-models", type=int, choices=(0, 1), default=1)
    args = parser.parse_args(argv)
    payloads, markers = Payloads(), Markers()
    payloads.prepare(("frame", "audio"))
    with tempfile.TemporaryDirectory(prefix="esapr-startup-") as folder:
        server = Server(f"sqlite:///{folder}/history.sqlite3", workers=1, warm_models=bool(args.warm_models))
        launched = time.monotonic()
        with server:  # returns once GET / answers 200
            first_page = time.monotonic() - launched
            worker = server.wait_for_workers(1)[0]
            print(f"start to first page: {first_page:.2f} s; RSS right then {rss_mb(worker):.0f} MB")
            if args.warm_models:
                server.wait_until_idle()
                print(f"warm-up done {time.monotonic() - launched:.1f} s after start; "
                      f"warm RSS (every model loaded): {rss_mb(worker):.0f} MB")
            client = Client(server)
            session = client.start_session().session
            requests = {"text": lambda: client.text(payloads, markers.take()),
                        "frame": lambda i=[0]: client.frame(payloads, session, (i.__setitem__(0, i[0] + 1), i[0])[1]),
                        "audio": lambda: client.audio(payloads)}
            print(f"{'analysis':<8}{'first s':>9}{'second s':>10}  status")
            for kind, send in requests.items():
                first, second = send(), send()
                print(f"{kind:<8}{first.seconds:>9.2f}{second.seconds:>10.2f}  {first.status}/{second.status}")
            print(f"RSS after one analysis of each kind: {rss_mb(worker):.0f} MB")
            client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
