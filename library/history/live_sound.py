"""The sound of a live capture while it is spoken: the microphone's chunks, and the stretches already read.

The page records the microphone in chunks (MediaRecorder's timeslice) and sends each during the capture, numbered
from 0. A chunk is a slice of one WebM/Ogg stream, readable only after the ones before it, so the chunks are kept
until the finish; the stretches read from them (library/audio/stretches.py: encoder states and transcript
segments) are kept beside them. Both live in the database, not in a worker's memory, so any worker can take the
next chunk or the finish. They are the session's raw material: ``LiveSessions.finish`` deletes them with the
session's samples, and the retention purge with the session (library/history/owners.py).

Chunks are idempotent by index: the first copy of an index is kept, a repeat is answered as received. Order does
not matter: the sound is read up to the first missing index, and the finish names any index still missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ForeignKey, Integer, LargeBinary, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from library.errors import BadInput, PayloadTooLarge
from library.history.schema import Base, _LiveSessionRow
from library.history.session_closed import SessionClosed


class _LiveSoundChunkRow(Base):
    """One chunk of a capture's microphone recording, as the browser sent it: kept only until the finish."""

    __tablename__ = "live_sound_chunks"

    session_id: Mapped[str] = mapped_column(ForeignKey("live_sessions.public_id", ondelete="CASCADE"),
                                            primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class _LiveSoundBlockRow(Base):
    """A stretch of the recording already read (encoder states and transcript segments, no sound)."""

    __tablename__ = "live_sound_blocks"

    session_id: Mapped[str] = mapped_column(ForeignKey("live_sessions.public_id", ondelete="CASCADE"),
                                            primary_key=True)
    start: Mapped[int] = mapped_column(Integer, primary_key=True)  # 16-kHz samples into the recording
    end: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)  # VoiceBlock.to_bytes()


SOUND_TABLES = (_LiveSoundChunkRow, _LiveSoundBlockRow)


@dataclass(frozen=True)
class ChunkReceipt:
    duplicate: bool  # this index was already stored (the first copy is kept)
    received: int  # chunks stored for the session
    contiguous: int  # chunks 0..contiguous-1 are all there: the sound readable so far
    received_bytes: int


class LiveSound:
    """The chunks and read stretches of capture sessions, in the history store's database. Callers check that the
    session is open and the requester's (``LiveSessions.frame_context``) before calling."""

    def __init__(self, engine):
        self.engine = engine

    def add_chunk(self, session_id: str, index: int, data: bytes, *, max_chunks: int,
                  max_bytes: int) -> ChunkReceipt:
        """Store chunk ``index`` unless it is there already; refuses an index past ``max_chunks`` (``BadInput``) or
        a chunk that would take the session's stored sound past ``max_bytes`` (``PayloadTooLarge``)."""
        if not 0 <= index < max_chunks:
            raise BadInput(f"Chunk numbers run from 0 to {max_chunks - 1}.")
        with self.engine.begin() as connection:
            _still_open(connection, session_id)
            present = self._present(connection, session_id)
            duplicate = index in present
            if not duplicate:
                stored = connection.scalar(select(func.coalesce(func.sum(func.length(_LiveSoundChunkRow.data)), 0))
                                           .where(_LiveSoundChunkRow.session_id == session_id)) or 0
                if stored + len(data) > max_bytes:
                    raise PayloadTooLarge(f"The recording's chunks pass {max_bytes // (1024 * 1024)} MB.")
                try:
                    with connection.begin_nested():
                        connection.execute(insert(_LiveSoundChunkRow).values(session_id=session_id, idx=index,
                                                                             data=bytes(data)))
                    present.add(index)
                except IntegrityError:  # the same chunk from another worker at the same moment
                    duplicate = True
            total = connection.scalar(select(func.coalesce(func.sum(func.length(_LiveSoundChunkRow.data)), 0))
                                      .where(_LiveSoundChunkRow.session_id == session_id)) or 0
        return ChunkReceipt(duplicate, len(present), contiguous_count(present), int(total))

    @staticmethod
    def _present(connection, session_id: str) -> set[int]:
        return set(connection.scalars(select(_LiveSoundChunkRow.idx).where(_LiveSoundChunkRow.session_id == session_id)))

    def indices(self, session_id: str) -> set[int]:
        with self.engine.connect() as connection:
            return self._present(connection, session_id)

    def readable(self, session_id: str) -> tuple[bytes, int]:
        """The recording so far: chunks 0, 1, ... up to the first missing one, joined; and how many they are."""
        query = (select(_LiveSoundChunkRow.idx, _LiveSoundChunkRow.data)
                 .where(_LiveSoundChunkRow.session_id == session_id).order_by(_LiveSoundChunkRow.idx))
        parts = []
        with self.engine.connect() as connection:
            for index, data in connection.execute(query):
                if index != len(parts):
                    break
                parts.append(bytes(data))
        return b"".join(parts), len(parts)

    def blocks(self, session_id: str) -> list[bytes]:
        query = (select(_LiveSoundBlockRow.data).where(_LiveSoundBlockRow.session_id == session_id)
                 .order_by(_LiveSoundBlockRow.start))
        with self.engine.connect() as connection:
            return [bytes(b) for b in connection.scalars(query)]

    def add_blocks(self, session_id: str, blocks: list[tuple[int, int, bytes]]) -> None:
        """Keep read stretches ``(start, end, data)``; one another worker stored first is left as it is."""
        for start, end, data in blocks:
            try:
                with self.engine.begin() as connection:
                    _still_open(connection, session_id)
                    connection.execute(insert(_LiveSoundBlockRow).values(session_id=session_id, start=start,
                                                                         end=end, data=data))
            except IntegrityError:
                pass

    def drop(self, session_id: str) -> None:
        """Forget the session's chunks and stretches while it stays open: its recording was refused at the finish,
        and no retry reads it again."""
        with self.engine.begin() as connection:
            delete_sound(connection, [session_id])

    def read_until(self, session_id: str) -> int:
        """How far (16-kHz samples) the stored stretches reach, one after another from the start: for progress."""
        query = (select(_LiveSoundBlockRow.start, _LiveSoundBlockRow.end)
                 .where(_LiveSoundBlockRow.session_id == session_id).order_by(_LiveSoundBlockRow.start))
        at = 0
        with self.engine.connect() as connection:
            for start, end in connection.execute(query):
                if start == at:
                    at = end
        return at


def _still_open(connection, session_id: str) -> None:
    """Refuse (``SessionClosed``) sound for a session that is finished or gone. The row is locked (PostgreSQL;
    SQLite locks the whole file) so a finish running now either comes first, and this refuses, or waits for
    this write, and then deletes what it wrote: no sound outlives the finish."""
    finished = connection.execute(select(_LiveSessionRow.analysis_id).where(_LiveSessionRow.public_id == session_id)
                                  .with_for_update()).first()
    if finished is None or finished[0] is not None:
        raise SessionClosed("This capture session is unknown or already finished; start a new one.")


def contiguous_count(present: set[int]) -> int:
    n = 0
    while n in present:
        n += 1
    return n


def delete_sound(session_or_connection, session_ids: list[str]) -> None:
    """Drop the chunks and stretches of these sessions (in the caller's transaction)."""
    if not session_ids:
        return
    for table in SOUND_TABLES:
        session_or_connection.execute(delete(table).where(table.session_id.in_(session_ids)))
