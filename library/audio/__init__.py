"""Audio channel: speech-emotion recognition from recordings (RAVDESS-trained, 7 emotions).

    from library.audio import SpeechEmotionModel, analyse_recording, AudioAnalysis, AUDIO_FORMATS
    model = SpeechEmotionModel.load()                       # frozen Whisper encoder + calibrated head
    model.predict_proba(signal, sample_rate)                # (7,), EMOTIONS order
    model.timeline(signal, sample_rate, step_s=1.0)         # [(t, (7,) array), ...] voiced seconds
    Transcriber.load(encoder=model.encoder).transcribe(signal, sample_rate)   # Transcript, English
    analyse_recording(data_bytes, model).to_dict()          # decoded from memory, checked, analysed

``import library.audio`` stays light (numpy only): soundfile/PyAV are imported when a recording
is decoded, CTranslate2 when a model is loaded; training (torch-free too) lives in ``train/``.
"""

from library.audio.decode import AUDIO_FORMATS
from library.audio.engine import SpeechEmotionModel
from library.audio.recording import AudioAnalysis, TimelinePoint, analyse_recording, analyse_signal
from library.audio.transcribe import Transcriber, Transcript, TranscriptSegment
from library.emotions import EMOTIONS

__all__ = ["AUDIO_FORMATS", "EMOTIONS", "AudioAnalysis", "SpeechEmotionModel", "TimelinePoint", "Transcriber",
           "Transcript", "TranscriptSegment", "analyse_recording", "analyse_signal"]
