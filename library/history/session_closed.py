"""The error of a live session that is unknown, expired or finished: a module of its own so that both the store
(store.py) and the live sound (live_sound.py, which store.py imports) raise the same one."""


class SessionClosed(LookupError):
    """The live session does not exist, has expired, or is already finished."""
