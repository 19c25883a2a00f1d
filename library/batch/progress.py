"""The progress bar (files/s and time left, on stderr) and the summary table at the end of a run."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TextIO

BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_noinv_fmt}{postfix}]"


class Progress:
    """A tqdm bar counting files; the rate is always files/s (tqdm would flip to s/file below one)."""

    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool = True):
        from tqdm import tqdm

        self.failed = 0
        self._bar = tqdm(total=total, desc="Analysing", unit="file", file=stream or sys.stderr,
                         bar_format=BAR_FORMAT, disable=not enabled, dynamic_ncols=True)

    def update(self, row: dict[str, Any]) -> None:
        if not row["ok"]:
            self.failed += 1
            self._bar.set_postfix_str(f"{self.failed} failed", refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()


@dataclass
class Summary:
    """What a run did, by channel."""

    engine: str
    workers: int
    seconds: float = 0.0
    done_before: int = 0
    duplicates: int = 0
    left_out: int = 0
    stored: int = 0
    repeats: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(1 for row in self.rows if not row["ok"])

    def table(self) -> str:
        ok, failed = Counter(), Counter()
        busy: Counter = Counter()
        for row in self.rows:
            channel = row["channel"] or "?"
            (ok if row["ok"] else failed)[channel] += 1
            busy[channel] += row["seconds"] or 0.0
        lines = [("channel", "files", "ok", "failed", "s/file")]
        for channel in sorted(set(ok) | set(failed)):
            n = ok[channel] + failed[channel]
            lines.append((channel, str(n), str(ok[channel]), str(failed[channel]), f"{busy[channel] / n:.2f}"))
        n = len(self.rows)
        lines.append(("total", str(n), str(n - self.failed), str(self.failed),
                      f"{sum(busy.values()) / n:.2f}" if n else "-"))
        widths = [max(len(line[i]) for line in lines) for i in range(5)]
        out = ["  ".join(f"{cell:<{widths[i]}}" if i == 0 else f"{cell:>{widths[i]}}" for i, cell in enumerate(line))
               for line in lines]
        rate = n / self.seconds if self.seconds else 0.0
        out.append(f"{n} files in {self.seconds:.1f} s ({rate:.2f} files/s) on the {self.engine} engine"
                   + (f" with {self.workers} workers" if self.engine == "ray" else ""))
        notes = [f"{self.done_before} already done (skipped)" if self.done_before else "",
                 f"{self.duplicates} with the same content as another (skipped)" if self.duplicates else "",
                 f"{self.left_out} in folders left out (not video, audio, PDF or text)" if self.left_out else "",
                 f"{self.stored} stored in the history database" if self.stored else "",
                 f"{self.repeats} rows the engine sent twice (kept once)" if self.repeats else ""]
        out += [note for note in notes if note]
        return "\n".join(out)
