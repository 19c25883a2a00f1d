"""Text channel speed: prints figures, asserts nothing (targets in comments).

    python benchmarks/text.py

- essay (650 words) -> traits + emotion        target <= 80 ms (one thread; one encoder pass serves both)
- answer (40 words) -> emotion                 target <= 15 ms (one thread)
- the page's reading with its "why" words (occlusion: one batched pass over the variants)
- 20-page PDF text extraction                  target <= 1 s
- app start-up to first page (a fresh process) target <= 3 s
- resident memory after loading the model
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from sample_texts import ESSAY  # noqa: E402


def essay_of(words: int) -> str:
    base = ESSAY.split()
    return " ".join((base * (words // len(base) + 1))[:words])


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pdf_of(pages: int) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for _ in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 5, essay_of(600))
    return bytes(pdf.output())


def startup_seconds() -> float:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "serve", "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < 60:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - start
            except OSError:
                time.sleep(0.05)
        return float("nan")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def cold(model, fn):
    """fn() with the words encoder's memory of recent texts emptied first: what a new text costs."""
    encoder = getattr(model.estimator, "encoder", None)

    def run():
        if encoder is not None:
            encoder._recent.clear()
        return fn()
    return run


def main() -> None:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # one core, as each request gets in the server
        _main()


def _main() -> None:
    from library.text import PersonalityModel, TextEmotionModel, analyse_text, extract_pdf_text

    before = rss_mb()
    start = time.perf_counter()
    model = PersonalityModel.load()
    load_s = time.perf_counter() - start
    after = rss_mb()

    emotion = TextEmotionModel.load()
    essay = essay_of(650)
    answer = essay_of(40)
    model.predict_proba([essay])  # warm-up
    emotion.predict_proba(answer)
    predict = timed(cold(model, lambda: model.predict_proba([essay])), 30)
    both = timed(cold(model, lambda: (model.predict_proba([essay]), emotion.predict_proba(essay))), 30)
    short = timed(cold(emotion, lambda: emotion.predict_proba(answer)), 50)
    why = timed(cold(emotion, lambda: emotion.read(answer)), 10)
    analyse = timed(cold(model, lambda: analyse_text(essay, model, emotion_model=emotion)), 10)
    pdf = pdf_of(20)
    extract = timed(lambda: extract_pdf_text(pdf), 5)

    print(f"model load:                      {load_s * 1000:8.1f} ms")
    print(f"essay (650 words) -> traits:     {statistics.median(predict) * 1000:8.1f} ms median")
    print(f"essay -> traits + emotion:       {statistics.median(both) * 1000:8.1f} ms median, "
          f"{max(both) * 1000:.1f} ms max (target <= 80 ms)")
    print(f"answer (40 words) -> emotion:    {statistics.median(short) * 1000:8.1f} ms median, "
          f"{max(short) * 1000:.1f} ms max (target <= 15 ms)")
    print(f"answer -> reading + why words:   {statistics.median(why) * 1000:8.1f} ms median")
    print(f"full analysis (traits+emotion+words): {statistics.median(analyse) * 1000:8.1f} ms median")
    print(f"20-page PDF ({len(pdf) // 1024} KB) extraction: {statistics.median(extract) * 1000:8.1f} ms median (target <= 1 s)")
    print(f"app start-up to first page:      {startup_seconds():8.2f} s (target <= 3 s)")
    print(f"memory: {before:.0f} MB before loading, {after:.0f} MB after (resident)")


if __name__ == "__main__":
    main()
