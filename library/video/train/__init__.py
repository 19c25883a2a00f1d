"""Training of the facial-expression model: ``python -m library.video.train`` (see ``run``).

Training only (Keras on torch, requirements-train.txt); the app never imports this package.

    data         FER2013 loading and cleaning, batch augmentation, the epoch's Keras dataset
    prepare      RAF-DB faces through the project's own detect -> landmarks -> align step (cached)
    sources      FER2013 + RAF-DB as one training set, with the held-out RAF-DB fifth
    network      the Keras network (Xception-family CNN): build it, load a saved one
    run          the resumable training loop, model selection, export
    export_onnx  the ONNX copy the app runs (+ the dense weights for Grad-CAM)
    calibrate    temperature scaling and the abstention threshold, fitted on validation
    evaluate     both validation sets measured into the model card (``card``)
    keras_model  the public model class run by Keras: the reference the export is tested against
"""

from library.video.train.run import TrainConfig, main, smoke_config, train

__all__ = ["TrainConfig", "main", "smoke_config", "train"]
