"""Training of the facial-expression model: ``python -m library.video.train`` (see ``run``).

    prepare  RAF-DB faces through the project's own detect -> landmarks -> align step (cached)
    sources  FER2013 + RAF-DB as one training set, with the held-out RAF-DB fifth
    run      the resumable training loop, model selection, export
    calibrate temperature scaling and the abstention threshold, fitted on validation
"""

from library.video.train.run import TrainConfig, main, smoke_config, train

__all__ = ["TrainConfig", "main", "smoke_config", "train"]
