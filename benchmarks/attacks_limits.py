"""Issue #15's attacks on work and memory (findings 2, 4, 5, 9, 11, 13), against a served app.

    .venv/bin/python benchmarks/attacks_limits.py [--only NAME ...] [--concurrent 8] [--json FILE]

Starts ``python main.py serve`` (2 workers, as ``make run`` on 2 cores) on 127.0.0.1 over a throwaway
SQLite database (benchmarks/serving.py), and for each attack sends ``--concurrent`` hostile requests
at once while timing ``GET /`` every 0.25 s. Printed per attack: the answers' statuses and seconds,
the RSS of the workers and their PDF children (before, peak, after), and GET / latency meanwhile.
The slow-client attack holds 10 connections trickling header lines and 10 trickling bodies instead.
Everything is loopback only and bounded: each request times out, each loop has a deadline.
Run it on a checkout of the old code (with this file and hostile_files.py copied in) for "before".
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from benchmarks import hostile_files as hostile  # noqa: E402
from benchmarks.serving import Server, children_of, rss_mb  # noqa: E402

REQUEST_TIMEOUT_S = 200  # longer than any bounded analysis; an attack that outlasts it is reported as such
HOME_TIMEOUT_S = 60


@dataclass
class Attack:
    name: str
    url: str
    field: str | None  # multipart field; None: the bytes are the body, with ``content_type``
    filename: str
    make: object  # () -> bytes
    content_type: str = "application/octet-stream"


def attacks() -> dict[str, Attack]:
    from test_hostile_input import operator_bomb

    return {a.name: a for a in [
        Attack("progressive_jpeg", "/api/v1/video/frame", "frame", "frame.jpg", hostile.progressive_jpeg_bomb),
        Attack("png_inflate_bomb", "/api/v1/video/frame", "frame", "frame.png",
               lambda: hostile.png_with_image_data(64, 64, 2000)),
        Attack("flac_192k_8ch_60s", "/api/v1/audio", "audio", "voice.flac", hostile.silent_flac),
        Attack("pdf_flate_bomb", "/api/v1/text", "file", "essay.pdf", lambda: operator_bomb(80)),
        Attack("h264_4k_240fps_120s", "/api/v1/video", "video", "clip.mp4", hostile.still_h264),
        Attack("truncated_mp4", "/api/v1/video", "video", "clip.mp4",
               lambda: hostile.mp4_cut_without_codec(hostile.still_h264(1, 5, 64, 64))),
        Attack("nested_json_text", "/api/v1/text", None, "", hostile.nested_json, "application/json"),
        Attack("wav_65535_channels", "/api/v1/audio", "audio", "voice.wav", lambda: hostile.wav_with_channels(65_535)),
        Attack("flac_unknown_length", "/api/v1/audio", "audio", "voice.flac",
               lambda: hostile.flac_of_unknown_length(8_000, 70)),
        # Within every limit, as large as allowed: what a worker holds per analysis, and the cap's 503s.
        Attack("largest_flac", "/api/v1/audio", "audio", "voice.flac", lambda: hostile.silent_flac(192_000, 1, 60)),
        Attack("largest_video", "/api/v1/video", "video", "clip.mp4", lambda: hostile.still_h264(8, 30, 4096, 2304)),
    ]}


# -- measuring ------------------------------------------------------------------------------------

def server_rss_mb(server: Server) -> float:
    """RSS of the workers and everything they started (PDF children), in MB."""
    total, todo = 0.0, list(server.worker_pids())
    while todo:
        pid = todo.pop()
        total += rss_mb(pid)
        todo += children_of(pid)
    return total


class Sampler(threading.Thread):
    """Until stopped: the server's peak RSS, and GET / timed every ``every_s``."""

    def __init__(self, server: Server, every_s: float = 0.25):
        super().__init__(daemon=True)
        self.server, self.every_s = server, every_s
        self.stop_flag = threading.Event()
        self.peak_mb = 0.0
        self.home_s: list[float] = []
        self.home_failed = 0

    def run(self) -> None:
        rss = threading.Thread(target=self._rss, daemon=True)
        rss.start()
        while not self.stop_flag.is_set():
            start = time.perf_counter()
            try:
                ok = requests.get(self.server.url("/"), timeout=HOME_TIMEOUT_S).status_code == 200
            except requests.RequestException:
                ok = False
            if ok:
                self.home_s.append(time.perf_counter() - start)
            else:
                self.home_failed += 1
            self.stop_flag.wait(self.every_s)
        rss.join()

    def _rss(self) -> None:
        while not self.stop_flag.is_set():
            self.peak_mb = max(self.peak_mb, server_rss_mb(self.server))
            self.stop_flag.wait(0.05)

    def stop(self) -> None:
        self.stop_flag.set()
        self.join()


@dataclass
class Figures:
    name: str
    size_bytes: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)
    message: str = ""
    rss_before_mb: float = 0.0
    rss_peak_mb: float = 0.0
    rss_after_mb: float = 0.0
    home_p50_s: float | None = None
    home_max_s: float | None = None
    home_failed: int = 0
    extra: dict = field(default_factory=dict)


def send(server: Server, attack: Attack, data: bytes) -> tuple[str, float, str]:
    start = time.perf_counter()
    try:
        if attack.field is None:
            r = requests.post(server.url(attack.url), data=data, headers={"Content-Type": attack.content_type},
                              timeout=REQUEST_TIMEOUT_S)
        else:
            r = requests.post(server.url(attack.url), files={attack.field: (attack.filename, data)},
                              timeout=REQUEST_TIMEOUT_S)
        status, body = str(r.status_code), r.text
        try:
            body = r.json().get("error", body)
        except ValueError:
            pass
    except requests.RequestException as exc:
        status, body = type(exc).__name__, str(exc)
    return status, time.perf_counter() - start, body[:240]


def run_attack(server: Server, attack: Attack, concurrent: int) -> Figures:
    data = attack.make()
    figures = Figures(attack.name, size_bytes=len(data))
    figures.rss_before_mb = server_rss_mb(server)
    sampler = Sampler(server)
    sampler.start()
    results: list[tuple[str, float, str]] = []
    threads = [threading.Thread(target=lambda: results.append(send(server, attack, data))) for _ in range(concurrent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT_S + 10)
    sampler.stop()
    time.sleep(1.0)  # let freed memory go back before "after"
    figures.rss_after_mb = server_rss_mb(server)
    figures.rss_peak_mb = sampler.peak_mb
    for status, seconds, message in results:
        figures.statuses[status] = figures.statuses.get(status, 0) + 1
        figures.seconds.append(round(seconds, 3))
        figures.message = figures.message or (message if not status.startswith("2") else "")
    _home(figures, sampler)
    return figures


def _home(figures: Figures, sampler: Sampler) -> None:
    times = sorted(sampler.home_s)
    figures.home_failed = sampler.home_failed
    if times:
        figures.home_p50_s = round(times[len(times) // 2], 3)
        figures.home_max_s = round(times[-1], 3)


# -- slow clients (finding 4) ---------------------------------------------------------------------

def _trickle(port: int, head: bytes, piece: bytes, stop: threading.Event, every_s: float) -> None:
    """Open a connection, send ``head``, then ``piece`` every ``every_s`` until stopped."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(head)
            while not stop.wait(every_s):
                sock.sendall(piece)
    except OSError:
        pass  # the server closed it: that is allowed


def slow_clients(server: Server, headers: int = 10, bodies: int = 10, hold_s: float = 12.0) -> Figures:
    figures = Figures("slow_clients", extra={"trickling_headers": headers, "trickling_bodies": bodies,
                                             "hold_s": hold_s})
    stop = threading.Event()
    host = f"Host: 127.0.0.1:{server.port}\r\n".encode()
    header_head = b"GET / HTTP/1.1\r\n" + host
    body_head = (b"POST /api/v1/text HTTP/1.1\r\n" + host + b"Content-Type: application/x-www-form-urlencoded\r\n"
                 b"Content-Length: 100000\r\n\r\ntext=")
    threads = [threading.Thread(target=_trickle, args=(server.port, header_head, b"X-a: b\r\n", stop, 0.5), daemon=True)
               for _ in range(headers)]
    threads += [threading.Thread(target=_trickle, args=(server.port, body_head, b"word+", stop, 0.5), daemon=True)
                for _ in range(bodies)]
    figures.rss_before_mb = server_rss_mb(server)
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # every slow connection is open and has sent its first bytes
    sampler = Sampler(server, every_s=0.5)
    sampler.start()
    time.sleep(hold_s)
    sampler.stop()
    stop.set()
    for thread in threads:
        thread.join(10)
    figures.rss_peak_mb = sampler.peak_mb
    figures.rss_after_mb = server_rss_mb(server)
    _home(figures, sampler)
    return figures


def onnx_debug_logs(server: Server) -> Figures:
    """Finding 13: /tmp/mat-debug-<pid>.log of each worker (ONNX Runtime's telemetry client)."""
    server.wait_until_idle()  # every model loaded, ONNX Runtime included
    pids = server.worker_pids()
    found = [pid for pid in pids if Path(tempfile.gettempdir(), f"mat-debug-{pid}.log").exists()]
    return Figures("onnx_debug_logs", extra={"workers": len(pids), "workers_with_a_log": len(found)})


# -- running --------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    every = ["slow_clients", *attacks(), "onnx_debug_logs"]
    parser.add_argument("--only", nargs="+", choices=every, default=every)
    parser.add_argument("--concurrent", type=int, default=8)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    table = attacks()

    def one(server: Server, name: str) -> Figures:
        if name == "slow_clients":
            return slow_clients(server)
        if name == "onnx_debug_logs":
            return onnx_debug_logs(server)
        single = name in ("truncated_mp4", "nested_json_text", "wav_65535_channels", "flac_unknown_length")
        return run_attack(server, table[name], 1 if single else args.concurrent)

    return run_on_server(args.only, one, args.json)


def run_on_server(names: list[str], one, json_path: Path | None) -> int:
    """``one(server, name)`` for each name, on one served app (2 workers), each on a quiet server; the figures printed
    as JSON lines and, with ``json_path``, written there."""
    folder = Path(tempfile.mkdtemp(prefix="esapr-attacks-"))
    rows: list[Figures] = []
    with Server(f"sqlite:///{folder / 'attacks.sqlite3'}", workers=2, env={"ESAPR_WORKER_TIMEOUT_S": "300"}) as server:
        server.wait_until_idle()
        for name in names:
            figures = one(server, name)
            rows.append(figures)
            print(json.dumps(asdict(figures)), flush=True)
            server.wait_until_idle(timeout_s=240)  # the next attack starts on a quiet server
    if json_path:
        json_path.write_text(json.dumps([asdict(r) for r in rows], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
