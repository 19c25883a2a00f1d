"""ESAPR engine: emotion and personality analysis, free of any web framework.

One subpackage per channel (``text``, ``video``, ``audio``) with the same shape
(load input -> features -> model -> typed result) plus ``history`` for storage.
"""
