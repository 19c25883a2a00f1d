"""Training of the facial-expression models (training only: torch, Keras; the app never imports this package).

``python -m library.video.train`` trains the wild tier that reads stills and stored results (torch,
EfficientNet-Lite0; ``wild_recipe``); ``python -m library.video.train --tier live`` the 48-px live tier (Keras, ``run``).

    wild_data     RAF-DB, ExpW, FER2013 as 112-px aligned colour crops, split by photo / class, calib and report
    wild_train    the resumable fine-tuning loop (hyperparameters in wild_hparams.json, saved beside the run)
    wild_export   the ONNX file the app runs, checked against torch
    wild_evaluate calibration on the calib halves, figures on the report halves, end to end through the face step
    wild_card     the model card
    wild_recipe   the five steps in order

The live tier:

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
