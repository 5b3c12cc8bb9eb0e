"""My learning's course cards, rendered once for each distinct content
(training_site/fragments.py): rendering a card through the template engine was three
quarters of what each extra enrollment added to My learning (issue 14, P1 "flat")."""

from training_site.fragments import render_fragments

CARD_TEMPLATE = "content/includes/dashboard_card.html"


def card_context(entry, quizzes) -> dict:
    """Everything one card prints: the card template reads only these."""
    enrollment, progress = entry.enrollment, entry.progress
    next_step = progress.next_step
    return {
        "progress_id": entry.progress_id,
        "title": entry.course_title,
        "course_url": entry.course_url,
        "due": entry.due,
        "is_completed": enrollment.is_completed,
        "is_prior_learning": enrollment.is_prior_learning,
        "completed_at": enrollment.completed_at,
        "progress": {
            "percent": progress.percent,
            "lessons_done": progress.lessons_done,
            "lessons_total": progress.lessons_total,
            "activities_passed": progress.activities_passed,
            "activities_total": progress.activities_total,
            "started": progress.started,
            "next_step": {"label": next_step.label, "url": next_step.url} if next_step else None,
        },
        "quizzes": [
            {
                "title": quiz.title,
                "url": quiz.url,
                "grade": quiz.grade,
                "grading_method_label": quiz.grading_method_label,
                "passed": quiz.passed,
                "waiting_for_grading": quiz.waiting_for_grading,
                "attempts_left": quiz.attempts_left,
            }
            for quiz in quizzes
        ],
    }


def dashboard_cards(entries_with_quizzes) -> list:
    """The HTML of each card, in order."""
    contexts = [card_context(entry, quizzes) for entry, quizzes in entries_with_quizzes]
    return render_fragments(CARD_TEMPLATE, contexts, name="card")
