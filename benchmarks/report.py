"""Run benchmark scripts and keep what they print as a dated report, with the machine and versions.

    .venv/bin/python benchmarks/report.py text video audio          # -> benchmarks/reports/DATE-COMMIT.md
    .venv/bin/python benchmarks/report.py load -- --kinds frame     # arguments after -- go to every script

Figures copied by hand drift from the code that made them; a report names the commit (and whether the
tree had uncommitted changes), the CPU, the cores, the memory, the load on the machine when it started
(another job on the same cores changes every figure) and the versions of the libraries that do the work.
Each script runs as its own process, as a person would run it; its exit status is recorded, not judged.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "benchmarks" / "reports"
PACKAGES = ("numpy", "onnxruntime", "ctranslate2", "faster-whisper", "scikit-learn", "dlib-bin",
            "opencv-python-headless", "Flask", "gunicorn", "SQLAlchemy", "ray", "torch")


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        return f"{pages * size / 2**30:.1f} GiB"
    except (ValueError, OSError):
        return "unknown"


def machine() -> list[str]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    return [
        f"- commit: `{_git('rev-parse', '--short', 'HEAD') or 'unknown'}`{' (with uncommitted changes)' if dirty else ''}",
        f"- CPU: {_cpu_model()}, {os.cpu_count()} logical cores; memory {_memory_gib()}",
        f"- load average when it started: {', '.join(f'{x:.2f}' for x in load) if load else 'unknown'} "
        "(above 0.5 another job shared the cores: figures are slower than on a quiet machine)",
        f"- system: {platform.platform()}; Python {platform.python_version()}",
        f"- libraries: {', '.join(versions)}",
    ]


def run(script: str, args: list[str]) -> tuple[int, float, str]:
    path = ROOT / "benchmarks" / (script if script.endswith(".py") else f"{script}.py")
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(path), *args], cwd=ROOT, capture_output=True, text=True)
    return done.returncode, time.monotonic() - started, (done.stdout + done.stderr).strip()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    script_args: list[str] = []
    if "--" in argv:
        argv, script_args = argv[:argv.index("--")], argv[argv.index("--") + 1:]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scripts", nargs="+", help="benchmark names (text, video, audio, load, batch, ...)")
    parser.add_argument("--out", type=Path, default=REPORTS, help="folder for the report")
    args = parser.parse_args(argv)

    now = datetime.now(timezone.utc)
    lines = [f"# Benchmarks {now:%Y-%m-%d %H:%M} UTC", "", *machine(), ""]
    for script in args.scripts:
        print(f"running benchmarks/{script}.py ...", file=sys.stderr)
        status, seconds, output = run(script, script_args)
        print(output)
        lines += [f"## {script}{' ' + ' '.join(script_args) if script_args else ''}", "",
                  f"exit status {status}, {seconds:.0f} s", "", "```", output, "```", ""]
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{now:%Y-%m-%d}-{_git('rev-parse', '--short', 'HEAD') or 'nocommit'}-{'-'.join(args.scripts)}.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    print(f"report: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
