"""Speech made at test time: Debian's espeak-ng speaks a sentence into a WAV file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

SENTENCE = ("I can't believe it, this is the best news I have had all year. "
            "We are going to celebrate tonight, all of us, together.")


GERMAN_SENTENCE = ("Heute Abend gehe ich mit meiner Schwester ins Kino. Ich freue mich sehr darauf, "
                   "weil wir uns so lange nicht gesehen haben.")


def spoken_wav(path: Path, text: str = SENTENCE, *, repeat: int = 1, voice: str = "en") -> Path:
    """Write ``text`` spoken by espeak-ng's ``voice`` (``repeat`` times in a row) to ``path``; skip if it is
    absent."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.skip("espeak-ng is not installed (Debian: apt-get install espeak-ng; .ci/run installs it)")
    subprocess.run([espeak, "-v", voice, "-s", "150", "-w", str(path), " ".join([text] * repeat)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    return path


def wav_bytes(signal: np.ndarray, sample_rate: int) -> bytes:
    import io

    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, signal, sample_rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()
