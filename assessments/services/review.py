"""What a learner sees after submitting, as the quiz's review policy allows.

Levels build on each other: score only; + which answers were right; + correct answers and
feedback. Before the review date (``review_after``) only the score is shown.
"""

from datetime import datetime
from decimal import Decimal

from assessments.kinds import kind_of
from assessments.models import Attempt, ReviewLevel

LEVELS = [ReviewLevel.SCORE_ONLY, ReviewLevel.RESPONSES, ReviewLevel.CORRECT_ANSWERS]


def answer_text(data: dict, answer) -> str:
    """A learner's (or the correct) answer in words."""
    return kind_of(data).answer_text(data, answer)


def _status(response) -> str:
    if response.needs_manual and response.graded_at is None:
        return "pending"
    if response.answer is None:
        return "unanswered"
    if response.score is None:
        return "pending"
    if response.score >= response.marks:
        return "correct"
    if response.score > 0:
        return "partial"
    return "incorrect"


def attempt_review(*, attempt: Attempt, now: datetime) -> dict:
    level = attempt.review_level
    if attempt.review_after and now < attempt.review_after:
        level = ReviewLevel.SCORE_ONLY
    rank = LEVELS.index(level)
    items = []
    if rank >= 1:
        for number, response in enumerate(attempt.responses.all(), start=1):
            data = response.grading_data
            item = {
                "number": number,
                "stem": response.stem,
                "your_answer": answer_text(data, response.answer),
                "status": _status(response),
                "score": response.score,
                "marks": Decimal(str(data["marks"])),
            }
            if rank >= 2:
                kind = kind_of(data)
                item["correct_answer"] = kind.answer_text(data, kind.correct_response(data))
                item["feedback"] = list(response.feedback or [])
                item["general_feedback"] = response.general_feedback
                item["grader_comment"] = response.grader_comment
            items.append(item)
    return {
        "review_level": level,
        "review_items": items,
        "shows_responses": rank >= 1,
        "shows_answers": rank >= 2,
        "review_later": attempt.review_after if attempt.review_after and now < attempt.review_after else None,
    }
