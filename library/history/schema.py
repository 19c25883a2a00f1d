"""Database tables. Derived figures only: no column ever holds text, audio or images."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class _AnalysisRow(Base):
    __tablename__ = "analyses"

    # seq orders rows ("earlier users"); public_id is what leaves the server,
    # random so that one result's link does not reveal another's.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Who may see, export and delete the row: a SHA-256 of the person's private token
    # (library/history/owners.py), never the token itself. None for rows made before #6.
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)


class _LiveSessionRow(Base):
    """A capture in progress (live video frames, the interview): samples arrive one by one."""

    __tablename__ = "live_sessions"

    public_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set when the session is finished: the analysis it became.
    analysis_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Share of a long analysis (an uploaded video) done so far, for the progress bar.
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # Samples stored so far, kept on the session so that a live frame needs no COUNT (None: a session from
    # before this column, counted from its rows).
    samples: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # What a face tracker carries from one frame to the next (boxes, landmarks, a coarse 12x12 signature of
    # the aligned face, never a picture): in the row, so the next frame may land on any worker.
    track: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class _LiveSampleRow(Base):
    """One derived sample of a live session (e.g. one frame's probabilities and eye aspect ratio)."""

    __tablename__ = "live_samples"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("live_sessions.public_id", ondelete="CASCADE"), index=True)
    t: Mapped[float] = mapped_column(Float)
    sample: Mapped[dict[str, Any]] = mapped_column(JSON)


class _SettingRow(Base):
    """Settings every worker on every machine must share, e.g. the generated secret key."""

    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))
