"""Request counters for rate limits, kept in the database so that every worker shares them.

Workers are stateless behind a load balancer: a counter in one worker's memory would let a
client make N times the limit by landing on N workers, and would be lost on restart. So each
(group, client, window) is one row, counted with a single ``INSERT ... ON CONFLICT DO UPDATE
... RETURNING`` (SQLite >= 3.35 and PostgreSQL both have it, through SQLAlchemy's dialect
inserts): one round trip, atomic, no read-then-write race between workers.

A fixed window (the count restarts at each whole minute, say) rather than a sliding log: one
row per client per window instead of one per request, at the cost of allowing up to twice the
limit across a window boundary - acceptable for protecting the analysers from floods.

A group that is hit many times a second (live frames) may be counted in batches: each process
keeps the hits of the current window in memory and adds them to the shared row every ``batch``-th
hit (one round trip per batch instead of per request). Its verdict is the shared total it last
read plus what it has not yet added, so a client can pass the limit by at most
``(batch - 1) x processes`` requests in a window; hits not yet added when a window ends are dropped
with it. This is the "local counter, synchronised every N" pattern of distributed limiters.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from dataclasses import dataclass

from sqlalchemy import BigInteger, Integer, String, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from library.history.schema import Base

# How often (at most) one process deletes windows that have ended. Rare enough to cost
# nothing per request, frequent enough that the table holds about one window per client.
PRUNE_EVERY_S = 60.0

_PERIODS_S = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


class _RateLimitRow(Base):
    """Requests one client made to one group of endpoints in one window."""

    __tablename__ = "rate_limit_windows"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)  # a group of endpoints
    client: Mapped[str] = mapped_column(String(64), primary_key=True)  # an IP address (IPv6 fits)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # Unix seconds
    # When the window ends: pruning needs no knowledge of each group's period.
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)
    hits: Mapped[int] = mapped_column(Integer)


IPV6_PREFIX = 64
# An IPv6 network a provider hands one site (RFC 6177 suggests /48 to /56): its /64s share this many times the
# limit of one. Counting only the /64 let a /48 send 65,536 times the limit; an IPv4 site behind NAT shares one.
IPV6_SITE_PREFIX = 48
IPV6_SITE_FACTOR = 16
UNKNOWN = "unknown"


def client_key(address: str | None) -> str:
    """Who a request is counted against: an IPv4 address as it is, an IPv6 address by its /64.

    One IPv6 subscriber (a home, a phone, a cloud machine) is handed a whole /64 and can send
    from any of its 2^64 addresses, so counting addresses would let it multiply the limit at
    will; the /64 is the unit a person controls. IPv4 addresses are scarce and shared behind NAT
    (one address is often many people, never many addresses one cheap person), so each counts
    alone; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is its IPv4 address. Anything that is not
    an address (a forwarded header's junk) is one shared client: each had been a fresh limit.
    """
    return client_keys(address)[0][0]


def client_keys(address: str | None) -> list[tuple[str, int]]:
    """Every (key, multiple of the limit) a request is counted against: its client (``client_key``), and for
    IPv6 also its /48 at ``IPV6_SITE_FACTOR`` times the limit, so that rotating /64s multiplies it no further."""
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return [(UNKNOWN, 1)]
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.version == 4:
        return [(str(ip), 1)]
    return [(str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False)), 1),
            (str(ipaddress.ip_network(f"{ip}/{IPV6_SITE_PREFIX}", strict=False)), IPV6_SITE_FACTOR)]


@dataclass(frozen=True)
class Limit:
    """At most ``hits`` requests per ``period_s`` seconds."""

    hits: int
    period_s: int

    @classmethod
    def parse(cls, text: str) -> Limit:
        """``"60/minute"``, ``"600/min"``, ``"10/second"``, ``"1000/hour"``, ``"5000/day"`` or ``"5/30s"``.

        Hand-written: the format is a few words, not worth a dependency.
        """
        try:
            count, _, per = str(text).strip().lower().partition("/")
            hits, per = int(count), per.strip()
            if per[:-1].isdigit() and per.endswith("s"):
                period = int(per[:-1])
            else:  # a unit's name, or its start ("min"), singular or plural
                unit = per.rstrip("s") or per
                period = next(seconds for name, seconds in _PERIODS_S.items() if unit and name.startswith(unit))
        except (ValueError, StopIteration):
            raise ValueError(f"rate limit {text!r} is not like '60/minute' or '5/30s'") from None
        if hits < 1 or period < 1:
            raise ValueError(f"rate limit {text!r} must allow at least one request in at least one second")
        return cls(hits, period)

    def __str__(self) -> str:
        name = next((n for n, s in _PERIODS_S.items() if s == self.period_s), None)
        return f"{self.hits}/{name}" if name else f"{self.hits}/{self.period_s}s"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    hits: int  # this request included
    limit: Limit
    retry_after_s: int  # whole seconds until the window restarts (at least 1)

    @property
    def remaining(self) -> int:
        return max(0, self.limit.hits - self.hits)


class RateLimits:
    """Fixed-window counters per (group, client) in the history database. Thread-safe."""

    def __init__(self, engine: Engine, prune_every_s: float = PRUNE_EVERY_S):
        dialect = engine.dialect.name
        # (group, client) -> [window_start, hits not yet added to the shared row, shared total last read]
        self._pending: dict[tuple[str, str], list[int]] = {}
        self._pending_lock = threading.Lock()
        if dialect not in ("sqlite", "postgresql"):
            raise NotImplementedError(f"rate limits need SQLite or PostgreSQL, not {dialect}")
        self.engine = engine
        self._insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        self._prune_every_s = prune_every_s
        self._next_prune = 0.0
        self._prune_lock = threading.Lock()

    def hit(self, group: str, client: str, limit: Limit, now: float | None = None, batch: int = 1) -> Verdict:
        """Count one request and say whether it is within the limit. ``batch`` > 1: add this process's hits to
        the shared count every ``batch``-th hit (module doc: the limit may be passed by ``(batch - 1)`` per process)."""
        now = time.time() if now is None else now
        window_start = int(now // limit.period_s) * limit.period_s
        retry_after = max(1, math.ceil(window_start + limit.period_s - now))
        client = client[:64]
        if batch > 1:
            with self._pending_lock:
                entry = self._pending.get((group, client))
                if entry is None or entry[0] != window_start:  # a new window: what was pending ended with the old one
                    entry = self._pending[(group, client)] = [window_start, 0, 0]
                entry[1] += 1
                if entry[1] < batch:
                    hits = entry[2] + entry[1]
                    return Verdict(hits <= limit.hits, hits, limit, retry_after)
                adding, entry[1] = entry[1], 0
            hits = self._add(group, client, window_start, limit, adding)
            with self._pending_lock:
                if entry[0] == window_start:
                    entry[2] = max(entry[2], hits)
                hits += entry[1]  # hits other threads of this process counted meanwhile
        else:
            hits = self._add(group, client, window_start, limit, 1)
        self._maybe_prune(now)
        return Verdict(hits <= limit.hits, hits, limit, retry_after)

    def _add(self, group: str, client: str, window_start: int, limit: Limit, hits: int) -> int:
        """Add ``hits`` to the shared row of this window; the row's new total."""
        table = _RateLimitRow.__table__
        statement = (
            self._insert(table)
            .values(scope=group, client=client, window_start=window_start,
                    expires_at=window_start + limit.period_s, hits=hits)
            .on_conflict_do_update(index_elements=["scope", "client", "window_start"],
                                   set_={"hits": table.c.hits + hits})
            .returning(table.c.hits)
        )
        with self.engine.begin() as connection:
            return connection.execute(statement).scalar_one()

    def prune(self, now: float | None = None) -> int:
        """Delete windows that have ended; the number of rows deleted."""
        now = time.time() if now is None else now
        with self.engine.begin() as connection:
            return connection.execute(delete(_RateLimitRow).where(_RateLimitRow.expires_at <= int(now))).rowcount

    def _maybe_prune(self, now: float) -> None:
        # Non-blocking: a request never waits for another thread's prune.
        if now < self._next_prune or not self._prune_lock.acquire(blocking=False):
            return
        try:
            self._next_prune = now + self._prune_every_s
            self.prune(now)
            with self._pending_lock:  # counts of windows that have ended: nobody asks for them again
                for key in [k for k, (start, _, _) in self._pending.items() if start + 86400 <= now]:
                    del self._pending[key]
        finally:
            self._prune_lock.release()
