"""The Ray engine: Ray Data streams the files through a pool of actors that each load the models once.

    for index, row in run_ray(items, address=None, workers=2): ...

``address`` (or ``RAY_ADDRESS``) joins a running cluster (``ray start --head`` / ``--address``); without
one a local cluster sized to this machine starts and stops with the run. Only paths travel to the
actors and only rows come back, so the inputs must be readable at the same path on every node (shared
storage, see docs/deploy.md). Each file is its own block: a worker that dies loses the file it held,
which Ray runs again on a new actor. Usage statistics and the dashboard are off: nothing leaves the
machine and no port beyond Ray's own is opened.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from library.batch.inputs import Item
from library.batch.loaders import Engines
from library.batch.task import analyse_item

INSTALL_HINT = "pip install -r requirements-ray.txt"
# Ray's store only carries paths and rows (tens of kB): a small one leaves the memory to the models.
LOCAL_OBJECT_STORE_BYTES = 256 * 1024 * 1024


class RayMissing(RuntimeError):
    """--engine ray without Ray installed."""


def require_ray():
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # before the import: Ray reads it there
    try:
        import ray
        import ray.data  # noqa: F401 - the extra that matters
    except ImportError as exc:
        raise RayMissing(f"--engine ray needs Ray Data, which is not installed here ({exc}); install it with "
                         f"`{INSTALL_HINT}` (the web app does not need it), or use --engine local") from exc
    return ray


@contextmanager
def cluster(address: str | None = None, cpus: int | None = None):
    """Joined or started Ray for the length of a run; yields the cluster's CPU count."""
    ray = require_ray()
    address = address or os.environ.get("RAY_ADDRESS") or None
    # The actors import this code from the same folder as the driver (on every node: see docs/deploy.md),
    # whatever folder the driver was started from.
    code = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join([code] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING,
                               "configure_logging": False, "runtime_env": {"env_vars": {"PYTHONPATH": path}}}
    if address is None:
        options.update(num_cpus=min(cpus or os.cpu_count() or 1, os.cpu_count() or 1),
                       object_store_memory=LOCAL_OBJECT_STORE_BYTES)
        # The local cluster's head would otherwise stay after a crash; address="local" never joins another.
        address = "local"
    ray.init(address=address, **options)
    logging.getLogger("ray.data").setLevel(logging.ERROR)  # our bar replaces Ray Data's progress and plan logs
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    try:
        yield int(ray.cluster_resources().get("CPU", 1))
    finally:
        ray.shutdown()


class Analyser:
    """One actor: its own models, loaded once, for every file that Ray sends it."""

    def __init__(self):
        self.engines = Engines()

    def __call__(self, batch: dict[str, Any]) -> dict[str, list]:
        items = [Item(**json.loads(str(payload))) for payload in batch["item"]]
        # JSON between the actor and the driver: every row keeps its exact values and types, whatever
        # columns are empty in one block and filled in another.
        return {"index": [item.index for item in items],
                "row": [json.dumps(analyse_item(item, self.engines), ensure_ascii=False) for item in items]}


def run_ray(items: Sequence[Item], *, address: str | None = None, workers: int | None = None,
            sized: Callable[[int], None] | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(item.index, row)`` as files finish (any order), through ``workers`` actors (default: the cluster's
    CPUs); ``sized`` is told the pool's size once the cluster is known."""
    if not items:
        return
    with cluster(address, workers) as cpus:
        import ray.data

        size = max(1, min(workers or cpus, len(items)))
        if sized:
            sized(size)
        data = ray.data.from_items([{"item": json.dumps(asdict(item))} for item in items],
                                   override_num_blocks=len(items))
        # One file in flight per actor: a killed actor loses that file only, and no file waits behind
        # another actor's queue at the end of the run (a path is all a task's input: nothing to prefetch).
        pool = ray.data.ActorPoolStrategy(size=size, max_tasks_in_flight_per_actor=1)
        rows = data.map_batches(Analyser, batch_size=1, num_cpus=1, compute=pool)
        # No prefetching either: each row reaches the output as its file finishes, not one file later.
        for batch in rows.iter_batches(batch_size=None, prefetch_batches=0, batch_format="numpy"):
            for index, row in zip(batch["index"], batch["row"]):
                yield int(index), json.loads(str(row))
