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

Then memory per model (``--per-model 0`` skips it): each model of library/registry loaded alone in a fresh
process (RSS before, after loading, after one analysis of a real input: the astronaut frame, a RAVDESS clip or
the spoken sentence, an essay; some models load parts lazily, on their first analysis), then every model in
one process in the warm-up's order. RSS is split into anonymous memory (the heap: weights, buffers; each
worker pays it) and file-backed pages (mapped libraries and weight files, shared by the workers of one
machine through the page cache).

``--python PATH`` runs the server and the probes with another interpreter, e.g. one whose environment holds
requirements.txt alone, as ``make run`` makes it: the development .venv also holds pandas and pyarrow, which
scikit-learn imports when they are installed (about +70 MB per process that a deployment does not pay).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT, ROOT / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from benchmarks.load import Client, Markers, Payloads  # noqa: E402
from benchmarks.serving import Server  # noqa: E402


# -- memory per model (--per-model) ----------------------------------------------------------------

def memory_mb(pid: int | str = "self") -> dict[str, float]:
    """A process's resident memory in MB: total, anonymous (heap) and file-backed (mapped files)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
            fields[key] = int(value.split()[0]) / 1024
    return {"rss": fields["VmRSS"], "anon": fields["RssAnon"], "file": fields["RssFile"] + fields.get("RssShmem", 0)}


def write_inputs(folder: Path) -> Path:
    """One real input per kind, saved for the probes (so that they import nothing to make them): the
    astronaut's face (tests/media.py), a RAVDESS recording when the data folder has one (else the spoken
    sentence, tests/speech.py), an essay."""
    import numpy as np
    import soundfile
    from media import interview_frame
    from sample_texts import ESSAY

    data = Path(os.environ.get("ESAPR_DATA_DIR", ROOT.parent / "shared" / "data")) / "ravdess"
    clips = sorted(data.glob("Actor_01/*.flac"))[:1] if data.is_dir() else []
    if not clips:
        from speech import spoken_wav

        clips = [spoken_wav(folder / "spoken.wav")]
    signal, rate = soundfile.read(clips[0], dtype="float32", always_2d=True)
    path = folder / "inputs.npz"
    np.savez(path, frame=interview_frame(), signal=signal.mean(axis=1), rate=rate, essay=ESSAY)
    return path


def _inputs(path: str):
    import numpy as np

    with np.load(path) as z:
        return z["frame"], (z["signal"], int(z["rate"])), str(z["essay"])


def _analyse(name: str, model, inputs) -> None:
    frame, (signal, rate), essay = inputs
    if name == "face_pipeline":
        model.analyse_image(frame)
    elif name == "expression":
        model.predict_proba(__import__("numpy").zeros((1, 48, 48), "float32"))
    elif name == "speech_emotion":
        model.timeline(signal, rate)
    elif name == "transcriber":
        model.transcribe(signal, rate)
    else:  # personality, text_emotion
        model.predict_proba([essay])


def probe(names: list[str], inputs_path: str) -> None:
    """In this process: load ``names`` one after the other, printing JSON lines of memory at each step."""
    from library.registry import ModelCache

    inputs = _inputs(inputs_path)
    cache = ModelCache()
    print(json.dumps({"step": "start", **memory_mb()}), flush=True)
    for name in names:
        cache.get(name)
        print(json.dumps({"step": f"load {name}", **memory_mb()}), flush=True)
        _analyse(name, cache.get(name), inputs)
        print(json.dumps({"step": f"analyse {name}", **memory_mb()}), flush=True)


def _run_probe(names: list[str], inputs: Path) -> list[dict]:
    out = subprocess.run([sys.executable, __file__, "--probe", ",".join(names), "--inputs", str(inputs)], check=True,
                         capture_output=True, text=True, cwd=ROOT)
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def per_model(inputs: Path) -> None:
    from library.registry import MODEL_LOADERS, WARM_UP

    print(f"{'model alone (fresh process)':<28}{'base':>7}{'loaded':>8}{'+load':>7}{'analysed':>9}{'+total':>8}"
          f"{'anon':>7}{'file':>7}  MB")
    for name in MODEL_LOADERS:
        start, loaded, analysed = _run_probe([name], inputs)
        print(f"{name:<28}{start['rss']:>7.0f}{loaded['rss']:>8.0f}{loaded['rss'] - start['rss']:>7.0f}"
              f"{analysed['rss']:>9.0f}{analysed['rss'] - start['rss']:>8.0f}"
              f"{analysed['anon'] - start['anon']:>7.0f}{analysed['file'] - start['file']:>7.0f}")
    order = list(WARM_UP) + [n for n in MODEL_LOADERS if n not in WARM_UP]
    print(f"\nevery model in one process (warm-up order, then the rest){'rss':>8}{'anon':>7}{'file':>7}  MB")
    for row in _run_probe(order, inputs):
        print(f"{row['step']:<58}{row['rss']:>8.0f}{row['anon']:>7.0f}{row['file']:>7.0f}")


def _memory_line(pid: int) -> str:
    m = memory_mb(pid)
    return f"{m['rss']:.0f} MB (anonymous {m['anon']:.0f}, file-backed {m['file']:.0f})"


def _unneeded_libraries(pid: int) -> list[str]:
    """Packages mapped into the worker that serving never needs (a development environment's extras)."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return [name for name in ("torch", "keras", "tensorflow", "gensim", "pandas", "pyarrow", "vl_convert")
            if f"/site-packages/{name}/" in maps]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warm-models", type=int, choices=(0, 1), default=1)
    parser.add_argument("--per-model", type=int, choices=(0, 1), default=1, help="also memory per model")
    parser.add_argument("--python", help="interpreter for the server and the probes (default: this one)")
    parser.add_argument("--probe", help=argparse.SUPPRESS)  # a child process of the memory per model ...
    parser.add_argument("--inputs", help=argparse.SUPPRESS)  # ... and the inputs it reads
    args = parser.parse_args(argv)
    if args.probe:
        probe(args.probe.split(","), args.inputs)
        return 0
    if args.python:
        sys.executable = args.python  # benchmarks/serving.py and the probes start children with it
    print(f"interpreter: {sys.executable}")
    payloads, markers = Payloads(), Markers()
    payloads.prepare(("frame", "audio"))
    with tempfile.TemporaryDirectory(prefix="esapr-startup-") as folder:
        server = Server(f"sqlite:///{folder}/history.sqlite3", workers=1, warm_models=bool(args.warm_models))
        launched = time.monotonic()
        with server:  # returns once GET / answers 200
            first_page = time.monotonic() - launched
            worker = server.wait_for_workers(1)[0]
            print(f"start to first page: {first_page:.2f} s; RSS right then {_memory_line(worker)}")
            if args.warm_models:
                server.wait_until_idle()
                print(f"warm-up done {time.monotonic() - launched:.1f} s after start; "
                      f"warm RSS (every model loaded): {_memory_line(worker)}")
            client = Client(server)
            session = client.start_session().session
            requests = {"text": lambda: client.text(payloads, markers.take()),
                        "frame": lambda i=[0]: client.frame(payloads, session, (i.__setitem__(0, i[0] + 1), i[0])[1]),
                        "audio": lambda: client.audio(payloads)}
            print(f"{'analysis':<8}{'first s':>9}{'second s':>10}  status")
            for kind, send in requests.items():
                first, second = send(), send()
                print(f"{kind:<8}{first.seconds:>9.2f}{second.seconds:>10.2f}  {first.status}/{second.status}")
            print(f"RSS after one analysis of each kind: {_memory_line(worker)}")
            print(f"libraries mapped that serving does not need: {', '.join(_unneeded_libraries(worker)) or 'none'}")
            client.close()
    if args.per_model:
        print()
        with tempfile.TemporaryDirectory(prefix="esapr-memory-") as folder:
            per_model(write_inputs(Path(folder)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
