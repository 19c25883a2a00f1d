"""The project's emotion labels, in the one order every channel uses (FER2013's)."""

EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
