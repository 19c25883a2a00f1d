"""History of analyses: derived scores only, never the media they came from."""

from library.history.store import Analysis, HistoryStore, LiveSample, LiveSessions, SessionClosed
from library.history.compare import percentile, summarise_traits, merge_word_counts
from library.history.rate_limits import Limit, RateLimits  # its table joins Base.metadata before create_all
from library.history import idempotency  # noqa: F401  (likewise)

__all__ = ["Analysis", "HistoryStore", "LiveSample", "LiveSessions", "SessionClosed", "percentile", "summarise_traits", "merge_word_counts"]
