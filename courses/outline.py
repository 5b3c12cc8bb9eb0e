"""The course page's outline as a content-addressed fragment (training_site/fragments.py):
rendering fifty lesson rows was half of a signed-in learner's course page (issue 14, P1)."""

from django.utils.safestring import SafeString

from training_site.fragments import render_fragments

OUTLINE_TEMPLATE = "courses/includes/course_outline.html"


def _activity(entry) -> dict:
    activity = entry.activity
    return {
        "activity": {
            "title": activity.title,
            "url": activity.url,
            "activity_label": activity.activity_label,
            "required_for_completion": activity.required_for_completion,
        },
        "status": entry.status,
        "score_percent": entry.score_percent,
    }


def course_outline_html(*, modules, course_activities, enrolled: bool) -> SafeString:
    """The outline of ``course_outline_for_learner``'s modules and final activities."""
    outline = {
        "enrolled": enrolled,
        "modules": [
            {
                "pk": entry.module.pk,
                "title": entry.module.title,
                "summary": entry.module.summary,
                "completed_count": entry.completed_count,
                "lessons": [
                    {
                        "lesson": {
                            "title": item.lesson.title,
                            "url": item.lesson.url,
                            "estimated_minutes": item.lesson.estimated_minutes,
                        },
                        "completed": item.completed,
                    }
                    for item in entry.lessons
                ],
                "activities": [_activity(item) for item in entry.activities],
            }
            for entry in modules
        ],
        "course_activities": [_activity(item) for item in course_activities],
    }
    return render_fragments(OUTLINE_TEMPLATE, [outline], name="outline")[0]
