"""What this process last wrote for each live session it served, so its next frame skips the read.

A live frame needs two things from its session before it is analysed: how many samples there are (every n-th
frame gets a Grad-CAM) and the face tracker's state. Both live in the session's row, so that any worker can take
any frame; reading them costs one round trip a frame. But a browser keeps its connection, so most frames of a
session reach the worker that served the one before — which just wrote those very values. This keeps them, and
the page says how many samples it last saw (``after``): when that is what this process wrote, no other worker has
written since, and the copy here is the row.

Nothing here decides whether a frame may be stored: the write (``LiveSessions.add``) is a conditional UPDATE that
checks owner, channel, finished, expiry and the sample cap in the database itself. An entry is used only for the
owner whose verified read of the row made it, and is dropped when the session is refused or finished.
Bounded (least recently used go first); one per process, shared by its threads.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any


@dataclass
class _Context:
    owner: str | None
    channel: str
    expires_at: float  # Unix seconds: the session's creation plus its expiry
    samples: int
    track: dict[str, Any] | None


class LiveContexts:
    def __init__(self, max_sessions: int = 2048):
        self.max_sessions = max_sessions
        self._entries: OrderedDict[str, _Context] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0  # for benchmarks and tests

    def get(self, session_id: str, owner: str | None, channel: str, samples: int) -> dict[str, Any] | None:
        """``{"samples", "track"}`` as this process last wrote them when that was ``samples`` samples (what the
        client last saw), or None (unknown here, another owner's, another channel's, expired, or written since by
        another process: the caller reads the row)."""
        with self._lock:
            entry = self._entries.get(session_id)
            if (entry is None or entry.owner != owner or entry.channel != channel or entry.samples != samples
                    or time.time() >= entry.expires_at):
                self.misses += 1
                return None
            self._entries.move_to_end(session_id)
            self.hits += 1
            return {"samples": entry.samples, "track": entry.track}

    def put(self, session_id: str, owner: str | None, channel: str, expires_at: float, samples: int,
            track: dict[str, Any] | None) -> None:
        """After a verified read of the row."""
        with self._lock:
            self._entries[session_id] = _Context(owner, channel, expires_at, samples, track)
            self._entries.move_to_end(session_id)
            while len(self._entries) > self.max_sessions:
                self._entries.popitem(last=False)

    def wrote(self, session_id: str, samples: int, track: dict[str, Any] | None) -> None:
        """After this process's successful write of a sample (only sessions it read before are kept)."""
        with self._lock:
            entry = self._entries.get(session_id)
            if entry is not None:
                entry.samples = samples
                if track is not None:  # None: the write left the stored state as it was
                    entry.track = track

    def drop(self, session_id: str) -> None:
        with self._lock:
            self._entries.pop(session_id, None)
