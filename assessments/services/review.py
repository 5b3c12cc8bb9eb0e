"""What a learner sees after submitting, as the quiz's review policy allows.

Levels build on each other: score only; + which answers were right; + correct answers and
feedback. Before the review date (``review_after``) only the score is shown.

The policy is applied here and nowhere else: what a level does not allow is never built,
so it cannot reach a template (the result page renders what it is given and decides
nothing).
"""

from datetime import datetime
from decimal import Decimal

from assessments.kinds import kind_of
from assessments.models import Attempt, AttemptState, Question, ReviewLevel
from assessments.selectors import quiz_attempt_limit, quiz_course
from courses.models import LessonPage
from courses.selectors import enrollment_current

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


def review_level_allowed(*, attempt: Attempt, now: datetime) -> str:
    """The review level in force now: the attempt's own, or score only before review_after."""
    if attempt.state == AttemptState.IN_PROGRESS:
        return ReviewLevel.SCORE_ONLY
    if attempt.review_after and now < attempt.review_after:
        return ReviewLevel.SCORE_ONLY
    return attempt.review_level


def _score(attempt: Attempt) -> dict:
    """What every level shows: the attempt's outcome."""
    graded = attempt.state == AttemptState.GRADED
    return {
        "number": attempt.number,
        "waiting_for_grading": attempt.state == AttemptState.NEEDS_GRADING,
        "graded": graded,
        "percent": attempt.percent if graded else None,
        "score": attempt.score if graded else None,
        "max_score": attempt.max_score,
        "passed": bool(attempt.passed),
        "pass_mark": attempt.pass_mark,
    }


def _answer_list(kind, data: dict, answer) -> list[dict]:
    """An answer's pieces (options, matching pairs, or the one value) as text only."""
    return [{"prompt": p.prompt, "text": p.text} for p in kind.answer_parts(data, answer)]


def _answer_explained(kind, data: dict, response) -> tuple[list[dict], list[str]]:
    """The learner's answer pieces, each with whether it earned credit and the feedback that
    explains it, and the feedback no single piece explains. CORRECT_ANSWERS only."""
    pieces = kind.answer_parts(data, response.answer)
    parts = response.parts or {}
    own = {p.feedback for p in pieces if p.feedback}
    # Feedback a type keeps per whole answer (short answer, numeric, true/false) belongs next
    # to that answer's one piece; what no piece explains stays with the question.
    loose = [text for text in response.feedback or [] if text not in own]
    items = []
    for piece in pieces:
        feedback = [piece.feedback] if piece.feedback else []
        if len(pieces) == 1:
            feedback, loose = feedback + loose, []
        items.append(
            {"prompt": piece.prompt, "text": piece.text, "right": parts.get(piece.key), "feedback": feedback}
        )
    return items, loose


def rubric_breakdown(response) -> list[dict]:
    """A hand-graded response's rubric: each criterion with its points, the points the
    grader chose and that level's descriptor. Empty until a grader has saved a grade."""
    if response.graded_at is None:
        return []
    rows = []
    for criterion in response.grading_data.get("rubric") or []:
        chosen = response.rubric_scores.get(criterion["id"])
        chosen = None if chosen is None else Decimal(str(chosen))
        descriptor = next(
            (
                level.get("descriptor", "")
                for level in criterion.get("levels") or []
                if chosen is not None and Decimal(str(level["points"])) == chosen
            ),
            "",
        )
        rows.append(
            {
                "criterion": criterion.get("criterion", ""),
                "points": Decimal(str(criterion["points"])),
                "chosen": chosen,
                "descriptor": descriptor,
            }
        )
    return rows


def attempt_review(*, attempt: Attempt, now: datetime) -> dict:
    """The result page's data: the score always; each response's answer (as a list of
    pieces: options, matching pairs) and status from the RESPONSES level; whether each piece
    earned credit, the correct answer, the feedback (next to the piece it explains) and the
    coordinator's rubric levels and comment only at CORRECT_ANSWERS. Nothing else about the questions leaves
    this function."""
    level = review_level_allowed(attempt=attempt, now=now)
    rank = LEVELS.index(level)
    items = []
    if rank >= 1:
        for number, response in enumerate(attempt.responses.all(), start=1):
            data = response.grading_data
            kind = kind_of(data)
            item = {
                "number": number,
                "stem": response.stem,
                "your_answer": _answer_list(kind, data, response.answer),
                "status": _status(response),
                "score": response.score,
                "marks": Decimal(str(data["marks"])),
            }
            if rank >= 2:
                item["your_answer"], item["feedback"] = _answer_explained(kind, data, response)
                item["correct_answer"] = _answer_list(kind, data, kind.correct_response(data))
                item["general_feedback"] = response.general_feedback
                item["grader_comment"] = response.grader_comment
                item["rubric"] = rubric_breakdown(response)
            items.append(item)
    waiting = bool(attempt.review_after and now < attempt.review_after)
    return {
        "result": _score(attempt),
        "review_level": level,
        "review_items": items,
        "review_later": attempt.review_after if waiting else None,
    }


REVIEW_LESSONS_MAX = 5


def attempt_next_steps(*, attempt: Attempt, now: datetime) -> dict:
    """What the learner can do after this attempt: retake (attempts left), the lessons to
    review, or, when the course is complete, the certificate.

    Lessons are named from the tags of the questions the learner missed only where the
    review level shows which answers were wrong; otherwise (score only) the quiz's module
    lessons are suggested, which says nothing about single questions.
    """

    quiz = attempt.quiz
    course = quiz_course(quiz)
    used = Attempt.objects.filter(learner_id=attempt.learner_id, quiz=quiz).exclude(
        state=AttemptState.ABANDONED
    )
    limit = quiz_attempt_limit(learner=attempt.learner_id, quiz=quiz)
    attempts_left = None if limit is None else max(0, limit - used.count())
    enrollment = enrollment_current(learner=attempt.learner, course=course)
    graded = attempt.state == AttemptState.GRADED
    failed = graded and not attempt.passed
    lessons = []
    if failed:
        lessons_in_course = LessonPage.objects.live().descendant_of(course).defer_streamfields()
        if LEVELS.index(review_level_allowed(attempt=attempt, now=now)) >= 1:
            missed = [r.question_id for r in attempt.responses.all() if r.score is None or r.score < r.marks]
            names = set(
                Question.tags.through.objects.filter(content_object_id__in=missed).values_list(
                    "tag__name", flat=True
                )
            )
            lessons = list(lessons_in_course.filter(tags__name__in=names).distinct().order_by("path"))
        if not lessons:
            parent_path = quiz.path[: -quiz.steplen]
            if parent_path != course.path:
                lessons = list(lessons_in_course.filter(path__startswith=parent_path).order_by("path"))
    return {
        "attempts_left": attempts_left,
        "can_retake": failed and attempts_left != 0 and not (quiz.close_at and now >= quiz.close_at),
        "review_lessons": [
            {"title": lesson.title, "url": lesson.url} for lesson in lessons[:REVIEW_LESSONS_MAX]
        ],
        "course_completed": bool(enrollment and enrollment.is_completed),
    }
