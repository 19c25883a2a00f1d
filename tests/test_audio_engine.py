"""Audio channel engine: decoding from memory, limits, silence, clipping, model API shapes.

Recordings are made at test time: a spoken sentence from espeak-ng (skipped with the reason
when it is not installed), encoded in memory to WAV/FLAC/OGG (soundfile) and WebM-Opus/MP3/M4A
(PyAV). The model here is the real frozen encoder with an *untrained* random head (these tests
are about the pipeline, not accuracy); the shipped file is checked when present.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import pytest

from library.audio import AUDIO_FORMATS, AudioAnalysis, SpeechEmotionModel, TimelinePoint, analyse_recording
from library.audio.decode import decode_audio, sniff
from library.audio.model import DEFAULT_DIR, MODEL_FILE
from library.emotions import EMOTIONS
from library.errors import BadInput, PayloadTooLarge, UnprocessableInput, UnsupportedMediaType
from media import av_bytes, sf_bytes

SENTENCE = ("Kids are talking by the door. I cannot believe what happened today, "
            "it was the best day of my whole life, and I want to tell everyone about it.")


@pytest.fixture(scope="module")
def speech() -> tuple[np.ndarray, int]:
    """About 8 s of synthetic speech at espeak-ng's own rate (22,050 Hz), float32 mono."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng); it makes the test speech")
    import soundfile as sf

    wav = subprocess.run([exe, "--stdout", "-s", "150", SENTENCE], check=True, capture_output=True).stdout
    x, sr = sf.read(io.BytesIO(wav), dtype="float32")
    assert sr == 22050 and len(x) / sr > 5
    return x, sr


@pytest.fixture(scope="module")
def model() -> SpeechEmotionModel:
    from library.audio.encoder import WhisperEncoder
    from library.audio.head import DenseHead

    rng = np.random.default_rng(0)
    head = DenseHead(np.zeros(768), np.ones(768), [rng.normal(0, 0.05, (768, 7))], [np.zeros(7)])
    return SpeechEmotionModel(WhisperEncoder.load(), head, {"abstain_below": 0.3})


ENCODERS = {
    "wav": lambda x, sr: sf_bytes(x, sr, "WAV", "PCM_16"),
    "flac": lambda x, sr: sf_bytes(x, sr, "FLAC"),
    "ogg": lambda x, sr: sf_bytes(x, sr, "OGG", "VORBIS"),
    "webm": lambda x, sr: av_bytes(x, sr, "webm", "libopus", 48000),  # what MediaRecorder makes
    "mp3": lambda x, sr: av_bytes(x, sr, "mp3", "libmp3lame", 44100, channels=2),
    "m4a": lambda x, sr: av_bytes(x, sr, "ipod", "aac", 44100),
}


@pytest.mark.parametrize("fmt", sorted(ENCODERS))
def test_decodes_every_format_from_memory(speech, fmt):
    x, sr = speech
    data = ENCODERS[fmt](x, sr)
    assert sniff(data[:16]) == fmt
    y, rate = decode_audio(data)
    assert y.dtype == np.float32 and y.ndim == 1
    assert abs(len(y) / rate - len(x) / sr) < 0.12  # codec padding only
    from library.audio.features import resample

    # same waveform after resampling both to 16 kHz: correlation near 1 at the best small lag
    # (lossy codecs and their padding delay the signal by a few ms)
    from scipy.signal import correlate

    a, b = resample(x, sr, 16000), resample(y, rate, 16000)
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    xc = correlate(b, a, mode="full", method="fft")[n - 1 - 800: n + 800]
    lag = int(np.argmax(xc)) - 800
    a2, b2 = (a[: n - lag], b[lag:]) if lag >= 0 else (a[-lag:], b[: n + lag])
    assert abs(lag) <= 800 and np.corrcoef(a2, b2)[0, 1] > 0.9, (lag, np.corrcoef(a2, b2)[0, 1])


def test_audio_formats_names_the_six_containers():
    assert set(AUDIO_FORMATS) == {"wav", "flac", "ogg", "webm", "mp3", "m4a"}
    assert all(any(m.startswith(("audio/", "video/")) for m in mimes) for mimes in AUDIO_FORMATS.values())


def test_resampling_to_16k_keeps_a_tone():
    from library.audio.model import prepare_signal

    for sr in (8000, 22050, 44100, 48000):
        t = np.arange(int(sr * 1.0)) / sr
        y = prepare_signal(np.sin(2 * np.pi * 440 * t).astype(np.float32), sr)
        assert abs(len(y) - 16000) <= 1
        spec = np.abs(np.fft.rfft(y[2000:-2000]))
        peak_hz = np.argmax(spec) * 16000 / len(y[2000:-2000])
        assert abs(peak_hz - 440) < 3
    stereo = np.stack([np.ones(1000), -np.ones(1000)], axis=1)  # (samples, channels) mixes to 0
    assert np.allclose(prepare_signal(stereo, 16000), 0.0)


def test_analyse_recording_result(speech, model):
    x, sr = speech
    result = analyse_recording(ENCODERS["webm"](x, sr), model, filename="answer.webm")
    assert isinstance(result, AudioAnalysis)
    assert abs(result.duration_s - len(x) / sr) < 0.1
    assert result.timeline and all(isinstance(p, TimelinePoint) for p in result.timeline)
    assert all(list(p.probabilities) == list(EMOTIONS) for p in result.timeline)
    assert all(abs(sum(p.probabilities.values()) - 1) < 1e-5 for p in result.timeline)
    assert [p.t for p in result.timeline] == sorted(p.t for p in result.timeline)
    assert list(result.distribution) == list(EMOTIONS) and abs(sum(result.distribution.values()) - 1) < 1e-9
    assert result.dominant in EMOTIONS and list(result.mean_probabilities) == list(EMOTIONS)
    assert 0.3 < result.voiced_fraction <= 1.0
    assert result.clipped is False and result.clipping_fraction < 0.01
    d = result.to_dict()
    import json

    assert json.loads(json.dumps(d)) == d
    assert set(d) >= {"duration_s", "timeline", "distribution", "dominant", "mean_probabilities",
                      "voiced_fraction", "clipping_fraction", "clipped"}


def test_timeline_of_15_seconds(speech, model):
    x, sr = speech
    clip = np.concatenate([x, x, x])[: 15 * sr]  # 15 s of speech with short pauses
    assert len(clip) == 15 * sr
    points = model.timeline(clip, sr)
    assert 12 <= len(points) <= 15  # one per voiced second; only pauses may drop out
    assert all(t == int(t) and 0 <= t < 15 for t, _ in points)
    assert all(p.shape == (7,) and abs(p.sum() - 1) < 1e-5 for _, p in points)
    whole = model.predict_proba(clip, sr)
    assert whole.shape == (7,) and abs(whole.sum() - 1) < 1e-6 and np.all(whole >= 0)
    # silent seconds are left out of the timeline
    gap = np.concatenate([x[: 3 * sr], np.zeros(4 * sr, np.float32), x[: 3 * sr]])
    times = [t for t, _ in model.timeline(gap, sr)]
    assert not any(4 <= t <= 5 for t in times) and times[0] == 0.0


def test_short_clip_gets_one_point(speech, model):
    x, sr = speech
    short = x[int(0.5 * sr): int(1.3 * sr)]
    points = model.timeline(short, sr)
    assert len(points) == 1 and points[0][0] == 0.0
    assert model.predict_proba(short, sr).shape == (7,)


def test_silence_and_steady_noise_are_refused(model):
    sr = 16000
    silent = sf_bytes(np.zeros(3 * sr, np.float32), sr, "WAV", "PCM_16")
    with pytest.raises(UnprocessableInput, match="No voice"):
        analyse_recording(silent, model)
    hiss = np.random.default_rng(0).normal(0, 0.05, 3 * sr).astype(np.float32)
    with pytest.raises(UnprocessableInput, match="No voice"):
        analyse_recording(sf_bytes(hiss, sr, "FLAC"), model)
    hum = (0.3 * np.sin(2 * np.pi * 50 * np.arange(3 * sr) / sr)).astype(np.float32)
    with pytest.raises(UnprocessableInput, match="No voice"):
        analyse_recording(sf_bytes(hum, sr, "WAV", "PCM_16"), model)


def test_heavy_clipping_is_flagged(speech, model):
    x, sr = speech
    loud = np.clip(x * 8.0, -1.0, 1.0)
    result = analyse_recording(sf_bytes(loud, sr, "WAV", "PCM_16"), model)
    assert result.clipped is True and result.clipping_fraction > 0.05
    # also through a lossy codec, which rings around the flat tops
    assert analyse_recording(ENCODERS["mp3"](loud * 0.95, sr), model).clipped is True


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n" + bytes(200),
    b"Hello, this is plain text and not audio at all." * 20,
    b"%PDF-1.7\n" + bytes(100),
    bytes(1000),
])
def test_wrong_type_is_unsupported(data, model):
    with pytest.raises(UnsupportedMediaType):
        analyse_recording(data, model, filename="speech.wav")  # the name does not matter


def test_png_named_like_audio_and_empty_input(model):
    from tests.media import interview_frame, jpeg_bytes

    with pytest.raises(UnsupportedMediaType):
        analyse_recording(jpeg_bytes(interview_frame()), model, filename="x.mp3")
    with pytest.raises(BadInput):
        analyse_recording(b"", model)


def test_corrupt_and_too_short_are_unprocessable(speech, model):
    x, sr = speech
    with pytest.raises(UnprocessableInput):
        analyse_recording(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(30), model)
    with pytest.raises(UnprocessableInput):
        analyse_recording(b"\x1a\x45\xdf\xa3" + bytes(500), model)  # EBML magic, then nothing
    with pytest.raises(UnprocessableInput, match="too short"):
        analyse_recording(sf_bytes(x[: int(0.3 * sr)], sr, "WAV", "PCM_16"), model)


def test_limits(speech, model):
    x, sr = speech
    wav = sf_bytes(x, sr, "WAV", "PCM_16")
    with pytest.raises(PayloadTooLarge):
        analyse_recording(wav, model, max_bytes=len(wav) - 1)
    with pytest.raises(PayloadTooLarge):
        analyse_recording(wav, model, max_seconds=3.0)  # from the header
    with pytest.raises(PayloadTooLarge):
        analyse_recording(ENCODERS["webm"](x, sr), model, max_seconds=3.0)  # while decoding
    long = np.tile(x, 13)[: 61 * sr]  # 61 s > the 60-s default
    with pytest.raises(PayloadTooLarge):
        analyse_recording(sf_bytes(long, sr, "FLAC"), model)


def test_predict_proba_inputs(speech, model):
    x, sr = speech
    p = model.predict_proba(x, sr)
    assert p.shape == (7,) and abs(p.sum() - 1) < 1e-6
    pcm = (x * 32767).astype(np.int16)  # integer PCM is scaled to [-1, 1]
    # (int16 rounding moves the probabilities by about 0.002: the stretch's window ends 10 s after it, not at 30 s)
    np.testing.assert_allclose(model.predict_proba(pcm, sr), p, atol=3e-3)
    np.testing.assert_allclose(model.predict_proba(np.stack([x, x], axis=1), sr), p, atol=1e-5)
    for bad in (np.array([]), np.full(1000, np.nan), np.zeros((2, 2, 2)), np.array(["a"])):
        with pytest.raises(BadInput):
            model.predict_proba(bad, sr)


def test_import_is_light():
    import subprocess
    import sys

    from library.paths import PROJECT_ROOT

    code = ("import sys, library.audio; bad = [m for m in ('keras', 'torch', 'soundfile', 'av', 'ctranslate2') "
            "if m in sys.modules];"
            " assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, check=True)


@pytest.mark.skipif(not (DEFAULT_DIR / MODEL_FILE).is_file(), reason="no shipped model in Models/audio/")
def test_shipped_model_loads_and_scores(speech):
    x, sr = speech
    shipped = SpeechEmotionModel.load()
    p = shipped.predict_proba(x, sr)
    assert p.shape == (7,) and abs(p.sum() - 1) < 1e-6
    assert shipped.meta["val"]["accuracy"] >= 0.55


def test_transcript_of_spoken_words_shares_the_encoder_pass(speech, model):
    """espeak-ng's sentence comes back as words, from the voice model's own encoder output."""
    from library.audio import Transcriber

    x, sr = speech
    transcriber = Transcriber.load(encoder=model.encoder)
    calls = []
    real_encode = model.encoder.whisper.encode
    model.encoder.whisper.encode = lambda features: calls.append(1) or real_encode(features)
    try:
        result = analyse_recording(ENCODERS["wav"](x, sr), model, transcriber=transcriber)
    finally:
        model.encoder.whisper.encode = real_encode
    words = result.to_dict()["transcript"]
    assert not calls  # the first (only) 30-s window was encoded once, by the voice model
    text = words["text"].lower()
    assert "door" in text and "best day" in text, text
    assert words["confident"] is True and words["language"] == "en"
    assert words["segments"] and all(0 <= s["start"] < s["end"] <= 10 for s in words["segments"])


def test_silence_gets_no_words_and_a_failing_transcriber_keeps_the_voice_reading(speech, model):
    from library.audio import Transcriber

    x, sr = speech
    empty = Transcriber.load(encoder=model.encoder).transcribe(np.zeros(3 * 16000, np.float32), 16000)
    assert empty.text == "" and not empty.confident

    class Broken:
        def decode(self, *a, **k):
            raise RuntimeError("decoder crashed")

    result = analyse_recording(ENCODERS["wav"](x, sr), model, transcriber=Broken())
    assert result.transcript is None and "transcript" not in result.to_dict()
    assert abs(sum(result.mean_probabilities.values()) - 1) < 1e-6
