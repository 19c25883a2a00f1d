"""Inputs for the batch tests and benchmarks/batch.py, made here: speech spoken by espeak-ng, videos of a
still face that moves (the astronaut photo shifted a few pixels a frame) with that speech as their
sound track, and written answers. Each file's content differs, so each has its own content hash."""

from __future__ import annotations

from pathlib import Path

SENTENCES = (
    "I can't believe it, this is the best news I have had all year.",
    "We waited for hours and nobody told us anything, it was awful.",
    "Honestly I am not sure what to think about the new plan.",
    "My brother called this morning and we laughed about the dog.",
    "The meeting went well, the team liked most of my ideas.",
    "I keep worrying that I forgot something important at home.",
)


def speech(folder: Path, n: int, *, words: int = 1, name: str = "voice") -> list[Path]:
    """``n`` WAVs, each one sentence said ``words`` times (about 3 s a sentence)."""
    from speech import spoken_wav

    folder.mkdir(parents=True, exist_ok=True)
    return [spoken_wav(folder / f"{name}{i:03d}.wav", SENTENCES[i % len(SENTENCES)] + f" Number {i}.", repeat=words)
            for i in range(n)]


def videos(folder: Path, n: int, *, seconds: float = 2.0, fps: int = 5, name: str = "answer",
           words: int = 1) -> list[Path]:
    """``n`` MP4s of ``seconds`` with the moving face and a spoken sentence (said ``words`` times) as their
    sound track."""
    import soundfile as sf

    from media import interview_frame, make_video

    folder.mkdir(parents=True, exist_ok=True)
    sounds = speech(folder / ".sound", n, words=words)
    out = []
    for i, wav in enumerate(sounds):
        x, rate = sf.read(wav)
        x = x[: int(seconds * rate)]
        frames = [interview_frame(dx=(i + k) % 6) for k in range(int(seconds * fps))]
        path = folder / f"{name}{i:03d}.mp4"
        path.write_bytes(make_video(frames, fps=fps, sound=(x, rate)))
        out.append(path)
    return out


def texts(folder: Path, n: int, *, name: str = "essay") -> list[Path]:
    from sample_texts import ESSAY, GLOOMY

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        path = folder / f"{name}{i:03d}.txt"
        path.write_text((ESSAY, GLOOMY)[i % 2] + f" That was {name} number {i}.", encoding="utf-8")
        out.append(path)
    return out
