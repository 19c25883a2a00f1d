"""Errors the engine raises for bad input.

Each carries the HTTP status a web layer should answer with, so routes can map
them without knowing the details; the engine itself never imports Flask.
"""


class InputError(ValueError):
    """Base class: the input cannot be analysed. ``message`` is safe to show a user."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadInput(InputError):
    """Malformed request: missing field, empty input."""

    status = 400


class PayloadTooLarge(InputError):
    """Input over a configured limit (bytes, pages, seconds)."""

    status = 413


class UnsupportedMediaType(InputError):
    """Input of a type we do not read (judged by content, not by name)."""

    status = 415


class UnprocessableInput(InputError):
    """Input of the right type that still cannot be analysed (too short, encrypted, corrupt)."""

    status = 422
