"""NPS and CSAT as DESIGN.md defines them, against figures worked out by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest

from portal.services.surveys.scores import compute_csat, compute_nps, is_detractor


def test_no_answers_is_no_score_not_zero():
    assert compute_nps([]).score is None
    assert compute_csat([]).share is None
    assert compute_csat([]).average is None


def test_all_passive_answers_score_zero():
    result = compute_nps([7, 8, 7, 8])
    assert (result.promoters, result.passives, result.detractors) == (0, 4, 0)
    assert result.exact == 0


def test_nps_by_hand():
    # 3 promoters (10, 9, 9), 2 passives (8, 7), 3 detractors (6, 3, 0) of 8:
    # 37.5 % - 37.5 % = 0; then one more promoter: 4/9 - 3/9 = 11.1
    assert compute_nps([10, 9, 9, 8, 7, 6, 3, 0]).exact == 0
    result = compute_nps([10, 9, 9, 8, 7, 6, 3, 0, 10])
    assert result.exact == Fraction(100, 9)
    assert result.score == 11.1


@pytest.mark.parametrize(
    ("score", "kind"), [(6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter")]
)
def test_nps_edges(score, kind):
    result = compute_nps([score])
    assert {
        "detractor": result.detractors,
        "passive": result.passives,
        "promoter": result.promoters,
    }[kind] == 1
    assert result.exact == {"detractor": -100, "passive": 0, "promoter": 100}[kind]


def test_all_promoters_and_all_detractors():
    assert compute_nps([9, 10]).exact == 100
    assert compute_nps([0, 6]).exact == -100


def test_csat_share_and_average_by_hand():
    # 5, 4 satisfied; 3, 2, 1 not: share 2/5 = 40 %, average 15/5 = 3
    result = compute_csat([5, 4, 3, 2, 1])
    assert result.share == Fraction(2, 5)
    assert result.average == 3
    assert compute_csat([4, 5, 5]).average == Fraction(14, 3)


def test_out_of_range_answers_are_refused():
    with pytest.raises(ValueError):
        compute_nps([11])
    with pytest.raises(ValueError):
        compute_csat([0])


@pytest.mark.parametrize(
    ("nps", "csat", "detractor"),
    [(6, None, True), (7, None, False), (None, 2, True), (None, 3, False), (None, None, False)],
)
def test_detractor_edges(nps, csat, detractor):
    assert is_detractor(nps=nps, csat=csat) is detractor
