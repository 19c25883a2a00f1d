"""The interview report as plain data: the fused reading, what each channel is known to get
wrong, suggestions, and the "not a diagnosis" statement — everything the page shows, so a
web layer only lays it out.

    report = build_report(fused, load_reliability())
    report.to_dict()
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from library.interview.fusion import FusedResult
from library.interview.reliability import ChannelReliability
from library.interview.suggestions import Catalogue, Suggestion, load_catalogue, suggest

# The same words as the "How it works" page (templates/pages/about.html, #not-a-diagnosis).
STATEMENT = ("Results are not a psychological assessment or a diagnosis of any kind. This tool must not be used "
             "to judge, select or rank people — not for hiring, not for schooling, not for grading, not for any "
             "decision about someone. It is a mirror to explore, nothing more.")


@dataclass
class InterviewReport:
    fused: FusedResult
    reliability: dict[str, ChannelReliability]  # the channels used, with their measured figure and weaknesses
    suggestions: list[Suggestion]
    suggestions_note: str  # "not therapy; where to find help"
    statement: str = STATEMENT

    def to_dict(self) -> dict:
        return {
            "fused": self.fused.to_dict(),
            "reliability": {c: r.to_dict() for c, r in self.reliability.items()},
            "suggestions": [s.to_dict() for s in self.suggestions],
            "suggestions_note": self.suggestions_note,
            "statement": self.statement,
        }


def build_report(fused: FusedResult, reliability: Mapping[str, ChannelReliability],
                 catalogue: Catalogue | None = None, n_suggestions: int = 3) -> InterviewReport:
    """Bundle a fused reading with the used channels' reliability, suggestions and the statement."""
    catalogue = catalogue if catalogue is not None else load_catalogue()
    used = {c: reliability[c] for c in fused.channels_used if c in reliability}
    return InterviewReport(fused=fused, reliability=used, suggestions=suggest(fused, catalogue, n_suggestions),
                           suggestions_note=catalogue.note)
