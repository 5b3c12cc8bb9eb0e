"""Coordinators manage questions in the Wagtail admin: validation, preview, GIFT views."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from assessments.models import Question, QuestionBank
from assessments.services.gift_import import question_bank_import_gift
from tests.factories import UserFactory, make_coordinator

pytestmark = pytest.mark.django_db

GIFT = (
    "$CATEGORY: cr/module-1\n\n::Listening::Which shows listening?{=Reflecting back#Yes. ~Interrupting#No.}\n"
)


@pytest.fixture
def coordinator_client(client):
    user = make_coordinator()  # of Open enrollment, where self-enrolled learners land
    client.force_login(user)
    return client


def question_post(bank_id, *, qtype, marks="1", title="Question", stem="<p>Q?</p>", **inlines):
    """Admin form data for a question; ``inlines`` give options, rubric_criteria, ..."""
    return nested_form_data(
        {
            "bank": bank_id,
            "qtype": qtype,
            "marks": str(marks),
            "title": title,
            "stem": rich_text(stem),
            "missing_word": "",
            "tags": "",
            "tf_answer": "",
            "feedback_true": "",
            "feedback_false": "",
            "distractors": "",
            "wrong_feedback": "",
            "general_feedback": rich_text(""),
            **{
                name: inline_formset(inlines.get(name, []))
                for name in ("options", "numeric_answers", "pairs", "rubric_criteria")
            },
        }
    )


def essay_post(bank, *, marks, points):
    criteria = [
        {"criterion": f"Criterion {i}", "points": str(p), "levels": "[]"} for i, p in enumerate(points)
    ]
    return question_post(bank.pk, qtype="essay", marks=marks, title="Scenario", rubric_criteria=criteria)


def test_essay_rubric_must_add_up_to_marks(coordinator_client):
    """Saving an essay whose rubric points differ from its marks fails with a message."""
    bank = QuestionBank.objects.ensure_path("cr/module-1")
    url = reverse("wagtailsnippets_assessments_question:add")
    response = coordinator_client.post(url, essay_post(bank, marks=6, points=[2, 2]))
    assert response.status_code == 200
    assert "add up to 4 but the question is worth 6 marks" in response.content.decode()
    assert not Question.objects.exists()
    response = coordinator_client.post(url, essay_post(bank, marks=6, points=[2, 2, 2]))
    assert response.status_code == 302
    assert Question.objects.get().rubric_criteria.count() == 3


def test_question_list_filters_by_bank_and_type(coordinator_client):
    question_bank_import_gift(text=GIFT)
    question_bank_import_gift(text="::Other::True?{T}", bank_path="cc/module-2")
    url = reverse("wagtailsnippets_assessments_question:list")
    bank = QuestionBank.objects.get(path="cr/module-1")
    html = coordinator_client.get(url, {"bank": bank.pk}).content.decode()
    assert "Listening" in html and "Other" not in html
    html = coordinator_client.get(url, {"qtype": "true_false"}).content.decode()
    assert "Other" in html and "Listening" not in html


def test_preview_shows_learner_view_and_answer_key(coordinator_client):
    question_bank_import_gift(text=GIFT)
    question = Question.objects.get()
    url = reverse("wagtailsnippets_assessments_question:preview_on_edit", args=[question.pk])
    data = question_post(
        question.bank_id,
        qtype="single_choice",
        title="Listening",
        stem=question.stem,
        options=[
            {"text": "Reflecting back", "fraction": "1", "feedback": "Yes."},
            {"text": "Interrupting", "fraction": "0", "feedback": "No."},
        ],
    )
    assert coordinator_client.post(url, data).json()["is_valid"]
    html = coordinator_client.get(url).content.decode()
    assert "What the learner sees" in html and "Answer key" in html
    assert 'type="radio"' in html and "100%" in html


def test_gift_upload_previews_then_imports(coordinator_client, django_capture_on_commit_callbacks):
    """Upload shows the preview; confirm queues the import job (run in-process here) and
    sends the coordinator to the job's page."""
    url = reverse("gift:import")
    upload = SimpleUploadedFile("q.gift", GIFT.encode())
    response = coordinator_client.post(url, {"file": upload, "bank": "", "tags": ""})
    html = response.content.decode()
    assert "Preview" in html and "Listening" in html and "Create" in html
    assert not Question.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(url, {"confirm": "1", "text": GIFT, "bank": "", "tags": ""})
    assert response.status_code == 302 and "/admin/gift/import/" in response["Location"]
    assert Question.objects.get().title == "Listening"


def test_gift_upload_with_errors_lists_lines_and_imports_nothing(coordinator_client):
    upload = SimpleUploadedFile("q.gift", b"::A::{=a ~b}\n\n::B::{~a ~b}\n")
    html = coordinator_client.post(reverse("gift:import"), {"file": upload}).content.decode()
    assert "Nothing was imported" in html and "Line 3" in html
    assert not Question.objects.exists()


def test_gift_export_downloads(coordinator_client):
    question_bank_import_gift(text=GIFT)
    response = coordinator_client.get(reverse("gift:export"), {"bank": "cr", "tags": "", "download": "1"})
    assert response["Content-Disposition"] == 'attachment; filename="questions.gift"'
    assert "::Listening::" in response.content.decode()


def test_learner_cannot_reach_question_admin(client):
    client.force_login(UserFactory())
    assert client.get(reverse("wagtailsnippets_assessments_question:list")).status_code == 302
    assert client.get(reverse("gift:import")).status_code == 302


def test_coordinator_grades_an_open_response(coordinator_client, learner, enrolled, module):
    """The grading screen lists the attempt; saving rubric levels grades it."""
    from django.http import QueryDict

    from assessments.models import AttemptState, RubricCriterion
    from assessments.services import attempts as services
    from tests.factories import build_quiz

    question_bank_import_gift(text="::Essay::Tell us what you would do.{}", bank_path="essays")
    essay = Question.objects.get()
    essay.marks = 2
    RubricCriterion.objects.create(
        question=essay,
        criterion="Names the concern",
        points=2,
        levels=[{"points": 0, "descriptor": "No"}, {"points": 2, "descriptor": "Yes"}],
    )
    essay.save_revision().publish()
    quiz = build_quiz(module, questions=[essay], title="Essay quiz")
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    services.attempt_submit(
        attempt_id=attempt.pk, learner=learner, data=QueryDict("q1=<b>I would listen</b>")
    )
    html = coordinator_client.get(reverse("grading:index")).content.decode()
    assert "Essay quiz" in html
    page = coordinator_client.get(reverse("grading:attempt", args=[attempt.pk])).content.decode()
    assert "&lt;b&gt;I would listen&lt;/b&gt;" in page
    response = attempt.responses.get()
    criterion_id = response.grading_data["rubric"][0]["id"]
    result = coordinator_client.post(
        reverse("grading:attempt", args=[attempt.pk]),
        {f"r{response.pk}-{criterion_id}": "2", f"r{response.pk}-comment": "Clear."},
    )
    assert result.status_code == 302
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED and attempt.percent == 100


def test_coordinator_grants_extra_time(coordinator_client, learner, module, questions):
    from assessments.models import QuizAccommodation
    from tests.factories import build_quiz

    quiz = build_quiz(module, questions=questions, time_limit_minutes=30, title="Timed")
    response = coordinator_client.post(
        reverse("wagtailsnippets_assessments_quizaccommodation:add"),
        {"learner": learner.pk, "quiz": quiz.pk, "extra_minutes": "15", "note": "IEP accommodation"},
    )
    assert response.status_code == 302
    assert QuizAccommodation.objects.get().extra_minutes == 15
