"""Request counters for rate limits, kept in the database so that every worker shares them.

Workers are stateless behind a load balancer: a counter in one worker's memory would let a
client make N times the limit by landing on N workers, and would be lost on restart. So each
(group, client, window) is one row, counted with a single ``INSERT ... ON CONFLICT DO UPDATE
... RETURNING`` (SQLite >= 3.35 and PostgreSQL both have it, through SQLAlchemy's dialect
inserts): one round trip, atomic, no read-then-write race between workers.

A fixed window (the count restarts at each whole minute, say) rather than a sliding log: one
row per client per window instead of one per request, at the cost of allowing up to twice the
limit across a window boundary - acceptable for protecting the analysers from floods.
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


def client_key(address: str | None) -> str:
    """Who a request is counted against: an IPv4 address as it is, an IPv6 address by its /64.

    One IPv6 subscriber (a home, a phone, a cloud machine) is handed a whole /64 and can send
    from any of its 2^64 addresses, so counting addresses would let it multiply the limit at
    will; the /64 is the unit a person controls. IPv4 addresses are scarce and shared behind NAT
    (one address is often many people, never many addresses one cheap person), so each counts
    alone; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is its IPv4 address.
    """
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return (address or "unknown")[:64]
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False))
    return str(ip)


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
        if dialect not in ("sqlite", "postgresql"):
            raise NotImplementedError(f"rate limits need SQLite or PostgreSQL, not {dialect}")
        self.engine = engine
        self._insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        self._prune_every_s = prune_every_s
        self._next_prune = 0.0
        self._prune_lock = threading.Lock()

    def hit(self, group: str, client: str, limit: Limit, now: float | None = None) -> Verdict:
        """Count one request and say whether it is within the limit."""
        now = time.time() if now is None else now
        window_start = int(now // limit.period_s) * limit.period_s
        table = _RateLimitRow.__table__
        statement = (
            self._insert(table)
            .values(scope=group, client=client[:64], window_start=window_start,
                    expires_at=window_start + limit.period_s, hits=1)
            .on_conflict_do_update(index_elements=["scope", "client", "window_start"],
                                   set_={"hits": table.c.hits + 1})
            .returning(table.c.hits)
        )
        with self.engine.begin() as connection:
            hits = connection.execute(statement).scalar_one()
        self._maybe_prune(now)
        retry_after = max(1, math.ceil(window_start + limit.period_s - now))
        return Verdict(hits <= limit.hits, hits, limit, retry_after)

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
        finally:
            self._prune_lock.release()
