"""Transcripts in the language spoken, with an English translation the words models read.

German and English speech is made at test time by espeak-ng (skipped without it); one EmoDB recording (real German
speech) is read when the shared data folder is there. The multilingual Whisper base comes from its PyPI packages.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import pytest

from library.audio.stretches import VoiceBlock, blocks_transcript
from library.audio.transcribe import Decoded, Transcript, TranscriptSegment, joined_transcript
from library.paths import default_data_dir

GERMAN = "Heute Abend gehe ich mit meiner Schwester ins Kino, und danach essen wir zusammen."


def spoken(text: str, voice: str) -> tuple[np.ndarray, int]:
    import soundfile as sf

    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng); it makes the test speech")
    wav = subprocess.run([exe, "-v", voice, "--stdout", "-s", "140", text], check=True, capture_output=True).stdout
    x, sr = sf.read(io.BytesIO(wav), dtype="float32")
    return x, sr


@pytest.fixture(scope="module")
def transcriber():
    from library.audio import Transcriber

    return Transcriber.load()  # multilingual base, the default


def test_german_speech_is_written_in_german_and_translated(transcriber):
    x, sr = spoken(GERMAN, "de")
    t = transcriber.transcribe(x, sr)
    assert t.language == "de"
    said = t.text.lower()
    assert "abend" in said and "kino" in said, t.text
    english = (t.translation or "").lower()
    assert "evening" in english and "sister" in english, t.translation
    assert t.english_text == t.translation
    d = t.to_dict()
    assert d["translation"]["translated"] is True and d["translation"]["language"] == "en"
    assert Transcript.from_dict(d) == Transcript(t.text, [TranscriptSegment(s.start, s.end, s.text) for s in
                                                         t.segments], "de", t.confident, t.translation,
                                                 [TranscriptSegment(s.start, s.end, s.text)
                                                  for s in t.translation_segments])


def test_english_speech_keeps_the_shape_it_always_had(transcriber):
    x, sr = spoken("I walked to the station this morning and the train was late again.", "en-us")
    t = transcriber.transcribe(x, sr)
    assert t.language == "en" and t.translation is None and t.english_text == t.text
    assert "station" in t.text.lower() and "translation" not in t.to_dict()


def test_a_recorded_german_sentence_from_emodb(transcriber):
    clip = default_data_dir() / "emodb" / "03a01Fa.flac"
    if not clip.is_file():
        pytest.skip(f"no EmoDB clip at {clip}")
    import soundfile as sf

    x, sr = sf.read(str(clip), dtype="float32")
    t = transcriber.transcribe(x, sr)
    assert t.language == "de" and "lappen liegt auf dem" in t.text.lower(), t.text


def test_a_recording_in_two_languages_is_translated_where_it_is_not_english():
    english = Decoded([TranscriptSegment(0.0, 4.0, "I was at home.", -0.2, 0.01)])
    german = Decoded([TranscriptSegment(10.0, 13.0, "Dann kam mein Bruder.", -0.3, 0.01)], "de", 0.97,
                     [TranscriptSegment(10.0, 13.0, "Then my brother came.", -0.4, 0.01)])
    t = joined_transcript([english, german])
    assert t.text == "I was at home. Dann kam mein Bruder."
    assert t.translation == "I was at home. Then my brother came."
    assert t.language == "en"  # four seconds of English against three of German


def test_a_stored_stretch_keeps_its_language_and_translation():
    states = np.zeros((10, 512), np.float32)
    block = VoiceBlock(0, 3200, states, [TranscriptSegment(0.1, 0.8, "Guten Morgen", -0.2, 0.0)], False, "de",
                       [TranscriptSegment(0.1, 0.8, "Good morning", -0.3, 0.0)])
    back = VoiceBlock.from_bytes(block.to_bytes())
    assert (back.language, back.segments, back.translated) == ("de", block.segments, block.translated)
    assert blocks_transcript([back]).translation == "Good morning"


def test_the_shipped_voice_model_and_its_transcriber_share_one_multilingual_encoder():
    from library.audio import SpeechEmotionModel, Transcriber
    from library.audio.model import DEFAULT_DIR, MODEL_FILE

    if not (DEFAULT_DIR / MODEL_FILE).is_file():
        pytest.skip("no shipped voice model")
    model = SpeechEmotionModel.load()
    assert model.meta["encoder_name"] == "base" and model.encoder.multilingual
    assert model.head.weights[0].shape[0] == 2 * 512  # mean and std of base's 512-wide states
    x, sr = spoken(GERMAN, "de")
    t = Transcriber.load(encoder=model.encoder).transcribe(x, sr)
    assert t.language == "de" and t.translation
