"""Item analysis: quiz and question statistics computed as Moodle's quiz statistics report.

Pure (no database, settings or models): ``analyse(attempts)`` takes the marks of a set of
attempts and returns plain JSON-able dicts, so the service can cache the result and a test
can check every figure against a hand computation (tests/assessments/test_statistics_maths.py).

Decision record -- what Moodle does, and what we do
(read in moodle/moodle, files named relative to its root):

* Quiz statistics, ``mod/quiz/report/statistics/classes/calculator.php`` (``calculate``,
  ``median``, ``sum_of_powers_of_difference_to_mean``). With s attempts and their totals:
  mean; median (the middle total, or the mean of the two middle totals); SD =
  √(Σ(x−x̄)² / (s−1)) when s > 1; for s > 2 the k-statistics m_r = Σ(x−x̄)^r / s,
  k2 = s·m2/(s−1), k3 = s²·m3/((s−1)(s−2)), skewness = k3 / k2^(3/2) (when k2 ≠ 0); for
  s > 3 k4 = s²·((s+1)·m4 − 3(s−1)·m2²) / ((s−1)(s−2)(s−3)), kurtosis = k4 / k2². With
  p > 1 positions: CIC = 100·p/(p−1)·(1 − ΣVar(item) / k2), ER = 100·√(1 − CIC/100),
  SE = ER·SD/100. We follow these exactly, with the same guards (None where Moodle leaves
  the figure empty). A CIC below 0 (items that disagree) makes ER the root of a number
  above 1, which Moodle prints; a CIC above 100 cannot happen. ER is None when CIC is None.
* Question statistics, ``question/classes/statistics/questions/calculator.php``
  (``initial_steps_walker``, ``initial_question_walker``, ``secondary_steps_walker``,
  ``secondary_question_walker``). Per position (Moodle's slot) with s responses, x the mark,
  R the rest of the attempt (attempt total − x): facility = mean(x) / max mark;
  Var x, Var R, Cov(x, R) and Cov_max (x and R each sorted ascending, paired by rank) all
  divided by s − 1; SD = √Var x; discrimination index = 100·Cov / √(Var x·Var R) when that
  product is not 0; discriminative efficiency = 100·Cov / Cov_max when Cov_max is not 0.
  We print facility as a percentage (Moodle's report multiplies by 100 for display).
* Random questions: Moodle computes the same figures for each question drawn into a random
  slot ("sub-question"), but there R is the whole attempt total, not the total minus the
  question (``$positionstat`` false; ``$stats->subquestion`` in the secondary walker). We do
  the same for our bank items (the ``whole_total`` flag below), so a coordinator comparing
  with Moodle reads the same numbers; the position rows use total − item.
* A position's max mark: Moodle uses the slot's. Ours can differ between attempts (a slot's
  marks edited between them), so facility is Σx / Σmax, which is Moodle's figure whenever
  the max is the same for every response.
* Score distribution: ten bands of the attempt percentage, 0–10 … 90–100 (100 in the
  last band), as Moodle's overview report bands grades.
* Arithmetic in float, as Moodle's PHP does: marks are at most two decimals and the
  figures are shown to two, so Decimal would only add cost. Inputs may be Decimal.

Flags (issue 17): facility below 20 or above 90; discrimination index below 20 (negative
gets its own flag); an option that no response chose; fewer than ``RELIABLE_ATTEMPTS``
attempts makes a note on the whole report.
"""

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

RELIABLE_ATTEMPTS = 10
FACILITY_LOW, FACILITY_HIGH = 20.0, 90.0
DISCRIMINATION_LOW = 20.0
BANDS = 10

FLAG_TOO_HARD = "too_hard"
FLAG_TOO_EASY = "too_easy"
FLAG_LOW_DISCRIMINATION = "low_discrimination"
FLAG_NEGATIVE_DISCRIMINATION = "negative_discrimination"
FLAG_UNCHOSEN_OPTION = "unchosen_option"


@dataclass(frozen=True)
class ItemMark:
    """One question of one attempt: where it was (``place``), which bank item it was, its
    mark and the most it could have got."""

    place: str
    question_id: int | None
    mark: float
    max_mark: float


@dataclass(frozen=True)
class AttemptMarks:
    items: Sequence[ItemMark]
    total_max: float = 0.0

    @property
    def total(self) -> float:
        return sum(item.mark for item in self.items)


@dataclass
class _Accumulator:
    marks: list[float] = field(default_factory=list)
    others: list[float] = field(default_factory=list)
    max_sum: float = 0.0


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def item_statistics(marks: Sequence[float], others: Sequence[float], max_sum: float) -> dict:
    """Moodle's per-question figures from each response's mark and the rest of its attempt
    (``others``, paired by index). ``max_sum`` is the sum of the responses' max marks."""
    s = len(marks)
    result = {
        "n": s,
        "facility": None,
        "sd": None,
        "discrimination": None,
        "efficiency": None,
        "mark_variance": None,
    }
    if s == 0:
        return result
    if max_sum:
        result["facility"] = 100 * sum(marks) / max_sum
    if s < 2:
        return result
    mark_mean, other_mean = _mean(marks), _mean(others)
    d_mark = [m - mark_mean for m in marks]
    d_other = [o - other_mean for o in others]
    mark_var = sum(d * d for d in d_mark) / (s - 1)
    other_var = sum(d * d for d in d_other) / (s - 1)
    cov = sum(a * b for a, b in zip(d_mark, d_other, strict=True)) / (s - 1)
    cov_max = sum(
        (a - mark_mean) * (b - other_mean) for a, b in zip(sorted(marks), sorted(others), strict=True)
    ) / (s - 1)
    result["mark_variance"] = mark_var
    result["sd"] = math.sqrt(mark_var)
    if mark_var * other_var:
        result["discrimination"] = 100 * cov / math.sqrt(mark_var * other_var)
    if cov_max:
        result["efficiency"] = 100 * cov / cov_max
    return result


def item_flags(row: dict) -> list[str]:
    flags = []
    facility, discrimination = row.get("facility"), row.get("discrimination")
    if facility is not None and facility < FACILITY_LOW:
        flags.append(FLAG_TOO_HARD)
    if facility is not None and facility > FACILITY_HIGH:
        flags.append(FLAG_TOO_EASY)
    if discrimination is not None and discrimination < 0:
        flags.append(FLAG_NEGATIVE_DISCRIMINATION)
    elif discrimination is not None and discrimination < DISCRIMINATION_LOW:
        flags.append(FLAG_LOW_DISCRIMINATION)
    return flags


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def quiz_statistics(totals: Sequence[float], *, positions: int, sum_item_variance: float | None) -> dict:
    """Moodle's whole-quiz figures from the attempt totals. ``positions`` is p, the number of
    question places; ``sum_item_variance`` is Σ Var(item) over those places."""
    s = len(totals)
    result = {
        "attempts": s,
        "mean": None,
        "median": None,
        "sd": None,
        "skewness": None,
        "kurtosis": None,
        "cic": None,
        "error_ratio": None,
        "standard_error": None,
    }
    if s == 0:
        return result
    mean = _mean(totals)
    result["mean"] = mean
    result["median"] = median(totals)
    if s < 2:
        return result
    power2 = sum((x - mean) ** 2 for x in totals)
    power3 = sum((x - mean) ** 3 for x in totals)
    power4 = sum((x - mean) ** 4 for x in totals)
    sd = math.sqrt(power2 / (s - 1))
    result["sd"] = sd
    if s < 3:
        return result
    m2, m3, m4 = power2 / s, power3 / s, power4 / s
    k2 = s * m2 / (s - 1)
    k3 = s * s * m3 / ((s - 1) * (s - 2))
    if not k2:
        return result
    result["skewness"] = k3 / k2**1.5
    if s > 3:
        k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
        result["kurtosis"] = k4 / (k2 * k2)
    if positions > 1 and sum_item_variance is not None:
        cic = (100 * positions / (positions - 1)) * (1 - sum_item_variance / k2)
        result["cic"] = cic
        result["error_ratio"] = 100 * math.sqrt(1 - cic / 100)
        result["standard_error"] = result["error_ratio"] * sd / 100
    return result


def score_distribution(percents: Iterable[float]) -> list[dict]:
    """Attempts per band of ten percent; 100 counts in the last band."""
    counts = [0] * BANDS
    for percent in percents:
        band = min(int(max(percent, 0) // (100 / BANDS)), BANDS - 1)
        counts[band] += 1
    width = 100 // BANDS
    return [{"low": i * width, "high": (i + 1) * width, "count": c} for i, c in enumerate(counts)]


def analyse(attempts: Sequence[AttemptMarks], *, place_order: Sequence[str] = ()) -> dict:
    """Quiz, position and bank-item statistics of a set of attempts.

    Returns {"quiz": {...}, "places": [{"place", ...figures, "flags"}], "items":
    [{"question_id", ...figures, "flags"}], "distribution": [...]}. Places come in
    ``place_order`` first, then any others in order of first appearance.
    """
    places: dict[str, _Accumulator] = {key: _Accumulator() for key in place_order}
    items: dict[int, _Accumulator] = {}
    totals, percents = [], []
    for attempt in attempts:
        total = attempt.total
        totals.append(total)
        total_max = attempt.total_max or sum(item.max_mark for item in attempt.items)
        percents.append(100 * total / total_max if total_max else 0.0)
        for item in attempt.items:
            acc = places.setdefault(item.place, _Accumulator())
            acc.marks.append(item.mark)
            acc.others.append(total - item.mark)
            acc.max_sum += item.max_mark
            if item.question_id is not None:
                sub = items.setdefault(item.question_id, _Accumulator())
                sub.marks.append(item.mark)
                sub.others.append(total)  # Moodle's sub-question rule: the whole total
                sub.max_sum += item.max_mark
    place_rows = []
    for key, acc in places.items():
        row = {"place": key, **item_statistics(acc.marks, acc.others, acc.max_sum)}
        row["flags"] = item_flags(row)
        place_rows.append(row)
    item_rows = []
    for question_id, acc in items.items():
        row = {"question_id": question_id, **item_statistics(acc.marks, acc.others, acc.max_sum)}
        row["flags"] = item_flags(row)
        item_rows.append(row)
    variances = [row["mark_variance"] for row in place_rows if row["n"]]
    sum_variance = None if any(v is None for v in variances) else sum(variances)
    quiz = quiz_statistics(totals, positions=len(variances), sum_item_variance=sum_variance)
    quiz["positions"] = len(place_rows)
    quiz["reliable"] = len(totals) >= RELIABLE_ATTEMPTS
    return {
        "quiz": quiz,
        "places": place_rows,
        "items": item_rows,
        "distribution": score_distribution(percents),
    }


# Response analysis (Moodle: question/classes/statistics/responses/analyser.php counts each
# distinct response per sub-part; we count options for choice kinds and the most frequent
# typed answers for short answer and numeric. Matching and essay responses are not listed.)
CHOICE_KINDS = ("single_choice", "multiple_response")
TYPED_KINDS = ("short_answer", "numeric")
TOP_RESPONSES = 5


@dataclass(frozen=True)
class ResponseSeen:
    question_id: int
    grading_data: dict
    answer: object


def _typed_key(kind: str, answer) -> str:
    text = str(answer).strip()
    return text.casefold() if kind == "short_answer" else text


def response_analysis(responses: Iterable[ResponseSeen]) -> list[dict]:
    """Per question: how often each option was chosen (choice and true/false kinds), or the
    most frequent typed answers (short answer, numeric), and how many gave no answer.

    An option is known from every revision the responses copied (the latest text wins), so
    an option no one chose is still listed, with 0 and a flag.
    """
    by_question: dict[int, dict] = {}
    for seen in responses:
        data = seen.grading_data
        kind = data.get("type")
        entry = by_question.setdefault(
            seen.question_id,
            {"question_id": seen.question_id, "kind": kind, "n": 0, "blank": 0, "options": {}, "typed": {}},
        )
        entry["n"] += 1
        if kind in CHOICE_KINDS:
            for option in data.get("options", []):
                known = entry["options"].setdefault(
                    option["id"], {"key": option["id"], "text": option["text"], "count": 0}
                )
                known["text"] = option["text"]
                known["fraction"] = str(option.get("fraction", ""))
        elif kind == "true_false":
            for value in (True, False):
                entry["options"].setdefault(
                    str(value).lower(), {"key": str(value).lower(), "text": str(value), "count": 0}
                )
                entry["options"][str(value).lower()]["fraction"] = "1" if data.get("answer") is value else "0"
        answer = seen.answer
        if answer is None or answer == "" or answer == [] or answer == {}:
            entry["blank"] += 1
            continue
        if kind in CHOICE_KINDS:
            chosen = [answer] if isinstance(answer, str) else list(answer)
            for key in chosen:
                option = entry["options"].setdefault(
                    key, {"key": key, "text": "", "count": 0, "fraction": ""}
                )
                option["count"] += 1
        elif kind == "true_false":
            entry["options"][str(bool(answer)).lower()]["count"] += 1
        elif kind in TYPED_KINDS:
            key = _typed_key(kind, answer)
            typed = entry["typed"].setdefault(key, {"text": str(answer).strip(), "count": 0})
            typed["count"] += 1
    result = []
    for entry in by_question.values():
        options = list(entry.pop("options").values())
        typed = sorted(entry.pop("typed").values(), key=lambda t: (-t["count"], t["text"]))
        entry["options"] = options
        entry["top_responses"] = typed[:TOP_RESPONSES]
        entry["unchosen"] = [o["key"] for o in options if o["count"] == 0]
        entry["flags"] = [FLAG_UNCHOSEN_OPTION] if entry["unchosen"] else []
        result.append(entry)
    return result
