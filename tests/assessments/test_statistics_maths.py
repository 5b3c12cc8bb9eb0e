"""Item analysis maths (assessments/statistics.py) against independent computations.

The fixture is 6 attempts × 4 one-mark items (rows are attempts, columns items)::

    A1  1 1 1 1   total 4
    A2  1 1 1 0         3
    A3  1 1 0 0         2
    A4  1 0 1 0         2
    A5  0 1 0 0         1
    A6  1 0 0 0         1

Worked by hand (deviations of the totals from the mean 13/6 are 11/6, 5/6, −1/6, −1/6,
−7/6, −7/6):
- Σd² = 246/36, so Var = 246/180 = 1.36667 and SD = 1.16905; median 2.
- Item variances (n−1): 1/6, 8/30, 0.3, 1/6, summing to 0.9.
- CIC = 100·4/3·(1 − 0.9/1.36667) = 45.528; ER = 100·√(1 − 0.45528) = 73.805;
  SE = 73.805 · 1.16905 / 100 = 0.86283.
- Σd³ = 768/216, m3 = 0.592593, k3 = 36·m3/20 = 1.066667, skewness = k3/k2^1.5 = 0.66764.
- Σd⁴ = 20070/1296, m4 = 2.581019, k4 = 36·(7·m4 − 15·m2²)/60 = −0.833333,
  kurtosis = k4/k2² = −0.44617.
- Item 4 (only A1 right): x − x̄ = 5/6 then −1/6 five times, R − R̄ = 1, 1, 0, 0, −1, −1:
  Cov = 1/5 = 0.2, Var x = 1/6, Var R = 0.8, discrimination = 20/√(0.8/6) = 54.772;
  sorted x against sorted R gives the same 0.2, so efficiency = 100.
"""

import math
import statistics as pystats

import pytest

from assessments import statistics as stats

MATRIX = [
    [1, 1, 1, 1],
    [1, 1, 1, 0],
    [1, 1, 0, 0],
    [1, 0, 1, 0],
    [0, 1, 0, 0],
    [1, 0, 0, 0],
]


def _attempts(matrix, max_mark=1.0):
    return [
        stats.AttemptMarks(
            items=[
                stats.ItemMark(place=str(i + 1), question_id=100 + i, mark=float(m), max_mark=max_mark)
                for i, m in enumerate(row)
            ]
        )
        for row in matrix
    ]


def _textbook_item(matrix, column):
    """Discrimination and efficiency by the textbook: Pearson's r of x and the rest score,
    and Cov / Cov of the rank-sorted pairs."""
    x = [row[column] for row in matrix]
    rest = [sum(row) - row[column] for row in matrix]
    cov = pystats.covariance(x, rest)
    cov_max = pystats.covariance(sorted(x), sorted(rest))
    return 100 * pystats.correlation(x, rest), 100 * cov / cov_max, pystats.stdev(x)


def _textbook_quiz(matrix):
    totals = [sum(row) for row in matrix]
    n, k = len(totals), len(matrix[0])
    mean = pystats.fmean(totals)
    # Fisher's k-statistics from the central moments.
    m2, m3, m4 = (sum((t - mean) ** r for t in totals) / n for r in (2, 3, 4))
    k2 = n * m2 / (n - 1)
    k3 = n * n * m3 / ((n - 1) * (n - 2))
    k4 = n * n * ((n + 1) * m4 - 3 * (n - 1) * m2 * m2) / ((n - 1) * (n - 2) * (n - 3))
    item_var = sum(pystats.variance([row[c] for row in matrix]) for c in range(k))
    alpha = 100 * k / (k - 1) * (1 - item_var / pystats.variance(totals))
    er = 100 * math.sqrt(1 - alpha / 100)
    return {
        "mean": mean,
        "median": pystats.median(totals),
        "sd": pystats.stdev(totals),
        "skewness": k3 / k2**1.5,
        "kurtosis": k4 / k2**2,
        "cic": alpha,
        "error_ratio": er,
        "standard_error": er * pystats.stdev(totals) / 100,
    }


def test_quiz_figures_match_the_textbook_and_the_hand_computation():
    """Mean, median, SD, skewness, kurtosis, CIC, ER and SE of the hand-worked matrix."""
    result = stats.analyse(_attempts(MATRIX))["quiz"]
    for name, expected in _textbook_quiz(MATRIX).items():
        assert result[name] == pytest.approx(expected, rel=1e-9), name
    hand = {
        "mean": 13 / 6,
        "median": 2,
        "sd": 1.16905,
        "skewness": 0.66764,
        "kurtosis": -0.44617,
        "cic": 45.528,
        "error_ratio": 73.805,
        "standard_error": 0.86283,
    }
    for name, expected in hand.items():
        assert result[name] == pytest.approx(expected, abs=5e-4), name
    assert result["attempts"] == 6
    assert result["reliable"] is False  # fewer than 10 attempts


def test_item_figures_match_the_textbook_and_the_hand_computation():
    """Facility, SD, discrimination and efficiency of every item; item 4 by hand."""
    places = stats.analyse(_attempts(MATRIX))["places"]
    assert [p["place"] for p in places] == ["1", "2", "3", "4"]
    for column, row in enumerate(places):
        discrimination, efficiency, sd = _textbook_item(MATRIX, column)
        assert row["n"] == 6
        assert row["facility"] == pytest.approx(100 * sum(r[column] for r in MATRIX) / 6)
        assert row["sd"] == pytest.approx(sd)
        assert row["discrimination"] == pytest.approx(discrimination)
        assert row["efficiency"] == pytest.approx(efficiency)
    fourth = places[3]
    assert fourth["facility"] == pytest.approx(16.667, abs=1e-3)
    assert fourth["discrimination"] == pytest.approx(54.772, abs=1e-3)
    assert fourth["efficiency"] == pytest.approx(100.0)
    assert fourth["flags"] == [stats.FLAG_TOO_HARD]


def test_facility_uses_the_max_mark_not_one():
    """Marks out of 2: facility is mean(x)/max × 100, not mean(x) × 100."""
    matrix = [[2 * m for m in row] for row in MATRIX]
    places = stats.analyse(_attempts(matrix, max_mark=2.0))["places"]
    assert places[0]["facility"] == pytest.approx(100 * 5 / 6)


def test_bank_items_use_the_whole_total_as_moodle_does():
    """Moodle's sub-question rule: R is the attempt total, not total minus the item."""
    result = stats.analyse(_attempts(MATRIX))
    item = next(i for i in result["items"] if i["question_id"] == 103)
    x = [row[3] for row in MATRIX]
    totals = [sum(row) for row in MATRIX]
    assert item["discrimination"] == pytest.approx(100 * pystats.correlation(x, totals))
    assert item["discrimination"] != pytest.approx(result["places"][3]["discrimination"])


def test_an_item_right_only_for_low_scorers_has_negative_discrimination_and_is_flagged():
    matrix = [
        [1, 1, 1, 0],
        [1, 1, 1, 0],
        [1, 1, 0, 0],
        [1, 0, 0, 1],
        [0, 1, 0, 1],
        [0, 0, 0, 1],
    ]
    places = stats.analyse(_attempts(matrix))["places"]
    assert places[3]["discrimination"] < 0
    assert places[3]["efficiency"] < 0
    assert stats.FLAG_NEGATIVE_DISCRIMINATION in places[3]["flags"]
    assert stats.FLAG_LOW_DISCRIMINATION not in places[3]["flags"]
    assert stats.FLAG_NEGATIVE_DISCRIMINATION not in places[0]["flags"]


@pytest.mark.parametrize(
    ("row", "flags"),
    [
        ({"facility": 19.99, "discrimination": 20.0}, [stats.FLAG_TOO_HARD]),
        ({"facility": 20.0, "discrimination": 19.99}, [stats.FLAG_LOW_DISCRIMINATION]),
        ({"facility": 90.0, "discrimination": 50.0}, []),
        ({"facility": 90.01, "discrimination": 0.0}, [stats.FLAG_TOO_EASY, stats.FLAG_LOW_DISCRIMINATION]),
        ({"facility": 50.0, "discrimination": -0.01}, [stats.FLAG_NEGATIVE_DISCRIMINATION]),
        ({"facility": None, "discrimination": None}, []),
    ],
)
def test_flag_thresholds(row, flags):
    assert stats.item_flags(row) == flags


def test_zero_variance_and_tiny_sets_give_no_figure_instead_of_an_error():
    """Everyone right: no discrimination, efficiency, CIC or skewness; one attempt: no SD."""
    same = stats.analyse(_attempts([[1, 1], [1, 1], [1, 1], [1, 1]]))
    assert same["places"][0]["sd"] == 0
    assert same["places"][0]["discrimination"] is None
    assert same["places"][0]["efficiency"] is None
    assert same["quiz"]["sd"] == 0
    assert same["quiz"]["skewness"] is None and same["quiz"]["cic"] is None
    one = stats.analyse(_attempts([[1, 0]]))
    assert one["quiz"]["mean"] == 1 and one["quiz"]["sd"] is None
    assert one["places"][0]["sd"] is None and one["places"][0]["facility"] == 100
    none = stats.analyse([])
    assert none["quiz"]["attempts"] == 0 and none["quiz"]["mean"] is None
    # Three attempts: skewness but no kurtosis (Moodle needs s > 3).
    three = stats.analyse(_attempts([[1, 1], [1, 0], [0, 0]]))
    assert three["quiz"]["skewness"] is not None and three["quiz"]["kurtosis"] is None


def test_median_of_an_even_count_is_the_mean_of_the_middle_two():
    assert stats.analyse(_attempts([[1, 1], [1, 0], [0, 0], [0, 0]]))["quiz"]["median"] == 0.5


def test_score_distribution_bands_and_the_top_band_holds_100():
    bands = stats.score_distribution([0, 9.99, 10, 55, 99.9, 100])
    assert [b["count"] for b in bands] == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert bands[0]["low"] == 0 and bands[-1]["high"] == 100


def _seen(qid, data, answer):
    return stats.ResponseSeen(question_id=qid, grading_data=data, answer=answer)


def test_option_frequencies_list_and_flag_an_option_no_one_chose():
    data = {
        "type": "single_choice",
        "marks": 1,
        "options": [
            {"id": "a", "text": "Right", "fraction": 1},
            {"id": "b", "text": "Wrong", "fraction": 0},
            {"id": "c", "text": "Never", "fraction": 0},
        ],
    }
    multi = {
        "type": "multiple_response",
        "marks": 1,
        "options": [{"id": "x", "text": "X", "fraction": 0.5}, {"id": "y", "text": "Y", "fraction": 0.5}],
    }
    rows = stats.response_analysis(
        [
            _seen(1, data, "a"),
            _seen(1, data, "a"),
            _seen(1, data, "b"),
            _seen(1, data, None),
            _seen(2, multi, ["x", "y"]),
            _seen(2, multi, ["y"]),
        ]
    )
    single = next(r for r in rows if r["question_id"] == 1)
    assert [(o["key"], o["count"]) for o in single["options"]] == [("a", 2), ("b", 1), ("c", 0)]
    assert single["blank"] == 1 and single["n"] == 4
    assert single["unchosen"] == ["c"] and single["flags"] == [stats.FLAG_UNCHOSEN_OPTION]
    both = next(r for r in rows if r["question_id"] == 2)
    assert [(o["key"], o["count"]) for o in both["options"]] == [("x", 1), ("y", 2)]
    assert both["flags"] == []


def test_short_answers_list_the_most_frequent_responses_case_folded():
    data = {"type": "short_answer", "marks": 1, "answers": [{"text": "humility", "fraction": 1}]}
    answers = ["Humility", "humility ", "pride", "awareness", "pride", "humility", "a", "b", "c"]
    rows = stats.response_analysis([_seen(5, data, a) for a in answers])
    top = rows[0]["top_responses"]
    assert [(t["count"]) for t in top][:2] == [3, 2]
    assert top[0]["text"].casefold() == "humility" and top[1]["text"] == "pride"
    assert len(top) == stats.TOP_RESPONSES
    assert rows[0]["flags"] == []


def test_true_false_counts_both_values():
    data = {"type": "true_false", "marks": 1, "answer": True}
    rows = stats.response_analysis([_seen(7, data, True), _seen(7, data, True)])
    assert [(o["key"], o["count"], o["fraction"]) for o in rows[0]["options"]] == [
        ("true", 2, "1"),
        ("false", 0, "0"),
    ]
    assert rows[0]["unchosen"] == ["false"]
