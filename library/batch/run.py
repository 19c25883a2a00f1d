"""A whole batch: which files are left to do, an engine to do them, output, database, progress.

    summary = run_batch(collect([Path("answers/")]), BatchConfig(engine="ray", out=Path("results")))
    sys.exit(1 if summary.failed else 0)
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from library.batch.inputs import Inputs, Item, content_hash
from library.batch.progress import Progress, Summary

ENGINES = ("local", "ray")


@dataclass(frozen=True)
class BatchConfig:
    engine: str = "local"
    address: str | None = None  # a Ray cluster to join (else RAY_ADDRESS, else a local one)
    workers: int | None = None  # Ray actors (default: the cluster's CPUs)
    out: Path | None = None  # Parquet + CSV here, resumable; None: rows only returned
    store_url: str | None = None  # history database to write good rows to, once each
    progress: bool = True
    stream: TextIO | None = None  # where the bar goes (stderr)


def run_batch(inputs: Inputs, config: BatchConfig) -> Summary:
    """Analyse what is left of ``inputs``; ``summary.rows`` holds this run's rows in input order."""
    from library.batch.output import Output

    if config.engine not in ENGINES:
        raise ValueError(f"unknown engine {config.engine!r}; expected one of {ENGINES}")
    if config.engine == "ray":
        from library.batch.engine_ray import require_ray

        require_ray()  # before any work: a missing extra is said at once
    summary = Summary(config.engine, 1 if config.engine == "local" else (config.workers or 0), left_out=inputs.left_out)
    start = time.perf_counter()
    output = Output(config.out, inputs.meta_columns) if config.out else None
    store = None
    try:
        todo = _left_to_do(inputs.items, output, summary, config)
        if config.store_url:
            from library.batch.store import BatchStore

            store = BatchStore(config.store_url)
            summary.stored += store.add(output.previous if output else [])  # done before without --store
        rows = {}
        progress = Progress(len(todo), config.stream, config.progress)
        try:
            for index, row in _stopping(_engine(todo, config, summary), config, rows):
                if index in rows:  # a file Ray ran again after its first row had come back: one row stays
                    summary.repeats += 1
                    continue
                rows[index] = row
                if output:
                    output.add(row)
                if store:
                    summary.stored += store.add([row])
                progress.update(row)
        finally:
            progress.close()
        summary.rows = [rows[item.index] for item in todo]
        if output:
            output.finish()
    finally:
        if output:
            output.close()
        if store:
            store.close()
    summary.seconds = time.perf_counter() - start
    return summary


class EngineStopped(RuntimeError):
    """The engine gave up (a cluster lost, a worker that keeps dying); the rows so far are kept."""


def _stopping(rows_iter, config: BatchConfig, rows: dict):
    """The engine's rows; its failure (not Ctrl-C) as an EngineStopped that says what is kept."""
    try:
        yield from rows_iter
    except Exception as exc:  # noqa: BLE001 - Ray raises many kinds; each means the same here
        kept = f"the {len(rows)} rows so far are in {config.out}; the same command finishes the rest" if config.out \
            else "give --out DIR to keep rows across a failure"
        raise EngineStopped(f"the {config.engine} engine stopped after {len(rows)} files "
                            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); {kept}") from exc


def _left_to_do(items: list[Item], output, summary: Summary, config: BatchConfig) -> list[Item]:
    """Without an output folder: every item. With one: those whose content has no good row yet, each
    content once (the driver hashes every file: about a second a GB, against seconds a file of analysis)."""
    from tqdm import tqdm

    if output is None:
        return list(items)
    done, seen, todo = output.done(), set(), []
    for item in tqdm(items, desc="Checking", unit="file", file=config.stream or sys.stderr,
                     disable=not config.progress or len(items) < 100, leave=False):
        key = content_hash(item.path)
        if key is not None and key in done:
            summary.done_before += 1
        elif key is not None and key in seen:
            summary.duplicates += 1
        else:
            seen.add(key)
            todo.append(item)
    return todo


def _engine(todo: list[Item], config: BatchConfig, summary: Summary):
    if config.engine == "local":
        from library.batch.engine_local import run_local

        return run_local(todo)
    from library.batch.engine_ray import run_ray

    return run_ray(todo, address=config.address, workers=config.workers, sized=lambda n: setattr(summary, "workers", n))
