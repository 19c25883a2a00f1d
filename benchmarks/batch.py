"""Batch throughput: local engine vs Ray with 1 and 2 workers, a two-node cluster, a killed worker; prints only.

    nice -n 10 .venv/bin/python benchmarks/batch.py [--speech 4] [--videos 4] [--seconds 3] [--long 45]
                                                    [--skip-cluster] [--skip-engines]

Inputs, made here: ``--speech`` WAVs spoken by espeak-ng (one sentence, about 3 s) and ``--videos`` MP4s of a
still face that moves with a spoken sentence as their sound track (``--seconds`` long, 5 fps), each file's
content different (tests/batch_files.py).

1. Engines: the same files through ``run_local`` and ``run_ray`` (1 and 2 actors on a local cluster of 2
   CPUs): wall time with start-up (cluster, model loads), files/s after the first file (the steady rate a
   long batch sees), and the scaling ratio 2 workers / 1 worker. Rows must be identical to the local ones.
2. Two nodes on this machine: ``ray start --head`` and a second ``ray start --address`` on 127.0.0.1, one CPU
   and its own object store each; ``main.py analyze --engine ray --address`` runs the job: same rows.
3. One long answer (``--long`` s of video, speech throughout, and the same speech as a WAV), models loaded:
   wall and CPU seconds a file, the per-file cost behind docs/deploy.md's throughput per core.
4. A fault: in a second job on that cluster one actor process is killed (SIGKILL) once the first row is on
   disk; the job finishes (Ray restarts the actor and runs its file again) or a rerun completes it; every
   file must then be in the output exactly once.

The machine has 2 cores and may be running a training beside this: the load average is printed with the
figures. The Ray nodes this starts are stopped by their process group, never by name.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import argparse  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

RAY = str(Path(sys.executable).with_name("ray"))


def make_inputs(folder: Path, speech: int, videos: int, seconds: float) -> list[Path]:
    import batch_files

    shutil.rmtree(folder, ignore_errors=True)
    return batch_files.speech(folder, speech) + batch_files.videos(folder, videos, seconds=seconds)


def timed(rows_iter) -> tuple[dict[int, dict], float, float]:
    """Rows by input index, wall seconds, files/s after the first file."""
    start = time.perf_counter()
    rows, stamps = {}, []
    for index, row in rows_iter:
        rows[index] = row
        stamps.append(time.perf_counter() - start)
    wall = time.perf_counter() - start
    steady = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 and stamps[-1] > stamps[0] else float("nan")
    return rows, wall, steady


def comparable_rows(rows) -> list[dict]:
    from library.batch.rows import comparable

    return sorted((comparable(r) for r in rows), key=lambda r: r["path"])


def engines(items) -> dict[str, dict]:
    from library.batch.engine_local import run_local
    from library.batch.engine_ray import run_ray

    runs = {"local": lambda: run_local(items),
            "ray, 1 worker": lambda: run_ray(items, workers=1),
            "ray, 2 workers": lambda: run_ray(items, workers=2)}
    figures = {}
    for name, run in runs.items():
        rows, wall, steady = timed(run())
        busy = sum(r["seconds"] for r in rows.values()) / len(rows)
        figures[name] = {"rows": rows, "wall": wall, "steady": steady, "busy": busy,
                         "failed": sum(not r["ok"] for r in rows.values())}
        print(f"  {name:<15} {len(rows)} files in {wall:6.1f} s with start-up = {len(rows) / wall:.3f} files/s; "
              f"after the first file {steady:.3f} files/s; {busy:.2f} s of work per file (model loads included); "
              f"{figures[name]['failed']} failed", flush=True)
    return figures


def long_answer(work: Path, seconds: float) -> None:
    """Work for one answer of ``seconds`` (face at 5 fps, voice, transcript, words), models already loaded: wall
    time, and CPU time (what it costs a core, whatever else the machine runs: every model here is single-threaded)."""
    import batch_files
    import soundfile as sf

    from library.batch.inputs import Item
    from library.batch.loaders import Engines
    from library.batch.task import analyse_item

    shutil.rmtree(work / "long", ignore_errors=True)
    video, = batch_files.videos(work / "long", 1, seconds=seconds, words=max(1, round(seconds / 4)))
    x, rate = sf.read(sorted((work / "long" / ".sound").glob("*.wav"))[0])
    audio = work / "long" / "answer.wav"
    sf.write(audio, x[: int(seconds * rate)], rate)  # the same speech as the video's sound track
    engines = Engines()
    print(f"\nOne {seconds:g}-s answer on one process, models loaded (median of 3):")
    for path in (video, audio):
        item = Item(0, str(path), path.name)
        assert analyse_item(item, engines)["ok"]  # loads the models
        runs = []
        for _ in range(3):
            cpu = time.process_time()
            wall = analyse_item(item, engines)["seconds"]
            runs.append((time.process_time() - cpu, wall))
        cpu, wall = sorted(runs)[1]
        print(f"  {path.suffix[1:]:<5} {wall:.2f} s wall, {cpu:.2f} s CPU a file = {3600 / cpu:.0f} files an hour a core "
              f"(load average {os.getloadavg()[0]:.1f})", flush=True)


def warm_up(inputs: Path) -> None:
    """One run of the CLI before the timed ones, so that no engine pays for reading the models from a cold disk."""
    files = [str(sorted(inputs.glob(pattern))[0]) for pattern in ("*.wav", "*.mp4")]
    subprocess.run([sys.executable, str(ROOT / "main.py"), "analyze", *files], cwd=ROOT, capture_output=True, timeout=600)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TwoNodes:
    """A head and a second node on 127.0.0.1, one CPU each, each with its own object store."""

    def __init__(self, object_store_mb: int = 200):
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        common = ["--node-ip-address=127.0.0.1", "--num-cpus=1", f"--object-store-memory={object_store_mb * 2 ** 20}",
                  "--disable-usage-stats", "--block"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.nodes = [subprocess.Popen([RAY, "start", "--head", f"--port={self.port}", "--include-dashboard=false",
                                        *common], env=env, start_new_session=True,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        self._wait(1)
        self.nodes.append(subprocess.Popen([RAY, "start", f"--address={self.address}", *common], env=env,
                                           start_new_session=True, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL))
        self._wait(2)

    def _wait(self, n: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            probe = subprocess.run([sys.executable, "-c", (
                "import ray, os; ray.init(address=os.environ['A'], logging_level='ERROR', log_to_driver=False);"
                "print(sum(1 for n in ray.nodes() if n['Alive']), len({n['ObjectStoreSocketName'] for n in ray.nodes()"
                " if n['Alive']}))")], env={**os.environ, "A": self.address}, capture_output=True, text=True)
            words = probe.stdout.split()
            if probe.returncode == 0 and words and int(words[0]) >= n:
                self.stores = int(words[1])
                return
            time.sleep(2)
        raise RuntimeError(f"the Ray cluster did not reach {n} nodes: {probe.stderr[-2000:]}")

    def stop(self) -> None:
        marker = Path("/tmp/ray/ray_current_cluster")  # left by our head: a later plain ray.init() would join it
        for node in reversed(self.nodes):
            if node.poll() is None:
                os.killpg(node.pid, signal.SIGTERM)  # the group this script started, by its id
                try:
                    node.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(node.pid, signal.SIGKILL)
        if marker.exists() and marker.read_text().strip().endswith(f":{self.port}"):
            marker.unlink()


def analyze(inputs: Path, out: Path, address: str, background: bool = False):
    command = [sys.executable, str(ROOT / "main.py"), "analyze", str(inputs), "--engine", "ray", "--address", address,
               "--workers", "2", "--out", str(out)]
    if background:
        return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)


def actor_pids() -> list[int]:
    """Processes of this user whose title Ray set to the batch's actor (ray::MapWorker(MapBatches(Analyser)))."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"MapBatches(Analyser)" in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def cluster_and_fault(inputs: Path, work: Path, local_rows: list[dict]) -> None:
    from library.batch.output import read_rows

    nodes = TwoNodes()
    try:
        print(f"\nTwo nodes on 127.0.0.1 ({nodes.address}), {nodes.stores} object stores, 1 CPU each:")
        start = time.perf_counter()
        run = analyze(inputs, work / "two-nodes", nodes.address)
        wall = time.perf_counter() - start
        rows = read_rows(work / "two-nodes")
        same = comparable_rows(rows) == comparable_rows(local_rows)
        print(f"  exit {run.returncode}; {len(rows)} files in {wall:.1f} s (CLI, with connecting and model loads); "
              f"rows identical to the local engine: {same}")

        print("\nFault: one actor killed (SIGKILL) once the first row is on disk:")
        out = work / "fault"
        job = analyze(inputs, out, nodes.address, background=True)
        deadline, killed = time.monotonic() + 600, None
        while job.poll() is None and time.monotonic() < deadline and killed is None:
            if list((out / "parts").glob("*.parquet")) and (pids := actor_pids()):
                killed = pids[0]
                os.kill(killed, signal.SIGKILL)
            time.sleep(0.1)
        _, err = job.communicate(timeout=900)
        done_first = len(read_rows(out))
        print(f"  killed actor pid {killed}; the job exited {job.returncode} with {done_first} of "
              f"{len(local_rows)} files done" + ("" if job.returncode == 0 else f" ({err.strip().splitlines()[-1]})"))
        if done_first < len(local_rows) or job.returncode != 0:
            again = analyze(inputs, out, nodes.address)
            print(f"  rerun: exit {again.returncode}; " + next((line for line in again.stderr.splitlines()
                                                               if "already done" in line), "nothing skipped"))
        rows = read_rows(out)
        paths = [r["path"] for r in rows]
        once = len(paths) == len(set(paths)) == len(local_rows) and len({r["sha256"] for r in rows}) == len(rows)
        print(f"  every file exactly once: {once}; all ok: {all(r['ok'] for r in rows)}; rows identical to the "
              f"local engine: {comparable_rows(rows) == comparable_rows(local_rows)}")
    finally:
        nodes.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speech", type=int, default=4)
    parser.add_argument("--videos", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--work", type=Path, default=ROOT / "tmp" / "bench-batch")
    parser.add_argument("--long", type=float, default=45.0, help="seconds of the long answer (0: none)")
    parser.add_argument("--skip-engines", action="store_true", help="no engine comparison (nor cluster)")
    parser.add_argument("--skip-cluster", action="store_true", help="only the engines (no ray start)")
    args = parser.parse_args()

    from library.batch import collect

    work = args.work
    inputs = work / "inputs"
    make_inputs(inputs, args.speech, args.videos, args.seconds)
    items = collect([inputs]).items
    for folder in ("two-nodes", "fault"):
        shutil.rmtree(work / folder, ignore_errors=True)
    print(f"{len(items)} files ({args.speech} speech WAVs, {args.videos} videos of {args.seconds:g} s with sound); "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before")
    if not args.skip_engines:
        warm_up(inputs)
        figures = engines(items)
        local = [figures["local"]["rows"][i] for i in sorted(figures["local"]["rows"])]
        for name in ("ray, 1 worker", "ray, 2 workers"):
            rows = list(figures[name]["rows"].values())
            print(f"  {name}: rows identical to the local engine: {comparable_rows(rows) == comparable_rows(local)}")
        one, two = figures["ray, 1 worker"]["steady"], figures["ray, 2 workers"]["steady"]
        print(f"  scaling 2 workers / 1 worker (after the first file): {two / one:.2f}x; with start-up: "
              f"{figures['ray, 1 worker']['wall'] / figures['ray, 2 workers']['wall']:.2f}x; "
              f"load average {os.getloadavg()[0]:.2f} after")
    if args.long:
        long_answer(work, args.long)
    if not (args.skip_cluster or args.skip_engines):
        cluster_and_fault(inputs, work, local)
    return 0


if __name__ == "__main__":
    sys.exit(main())
