"""NPS and CSAT, exactly as DESIGN.md defines them.

NPS = % promoters (9-10) - % detractors (0-6) over the integer answers 0-10, from -100 to 100;
CSAT = the share of 4-5 answers among the answers 1-5, and their average. No answers: no score
(None), never 0, so "nobody answered" is not read as "neutral".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6
CSAT_SATISFIED_MIN = 4
CSAT_DETRACTOR_MAX = 2


@dataclass(frozen=True)
class NpsResult:
    promoters: int
    passives: int
    detractors: int

    @property
    def answers(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def exact(self) -> Fraction | None:
        """The score as an exact fraction of 100 points (-100 to 100); None without answers."""
        if not self.answers:
            return None
        return Fraction(100 * (self.promoters - self.detractors), self.answers)

    @property
    def score(self) -> float | None:
        """The score rounded to one decimal, for display and export."""
        exact = self.exact
        return None if exact is None else round(float(exact), 1)


@dataclass(frozen=True)
class CsatResult:
    satisfied: int
    answers: int
    total: int  # the sum of the answers, for the average

    @property
    def share(self) -> Fraction | None:
        """The share of 4-5 answers, between 0 and 1; None without answers."""
        return Fraction(self.satisfied, self.answers) if self.answers else None

    @property
    def average(self) -> Fraction | None:
        return Fraction(self.total, self.answers) if self.answers else None


def compute_nps(scores: Iterable[int]) -> NpsResult:
    promoters = passives = detractors = 0
    for score in scores:
        if not 0 <= score <= 10:
            raise ValueError(f"an NPS answer is 0-10, not {score}")
        if score >= NPS_PROMOTER_MIN:
            promoters += 1
        elif score <= NPS_DETRACTOR_MAX:
            detractors += 1
        else:
            passives += 1
    return NpsResult(promoters, passives, detractors)


def compute_csat(scores: Iterable[int]) -> CsatResult:
    satisfied = answers = total = 0
    for score in scores:
        if not 1 <= score <= 5:
            raise ValueError(f"a CSAT answer is 1-5, not {score}")
        answers += 1
        total += score
        if score >= CSAT_SATISFIED_MIN:
            satisfied += 1
    return CsatResult(satisfied, answers, total)


def is_detractor(*, nps: int | None, csat: int | None) -> bool:
    """A detractor answer (NPS 0-6 or CSAT 1-2) opens a follow-up case."""
    return (nps is not None and nps <= NPS_DETRACTOR_MAX) or (
        csat is not None and csat <= CSAT_DETRACTOR_MAX
    )
