"""The local engine: one process, one file after another (``python main.py analyze`` as it always was)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from library.batch.inputs import Item
from library.batch.loaders import Engines
from library.batch.task import analyse_item


def run_local(items: Iterable[Item]) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(item.index, row)`` for each item, in order; the models load once, on first need."""
    engines = Engines()
    for item in items:
        yield item.index, analyse_item(item, engines)
