"""Autosave and submit never lose a learner's answers: their own saves never make their
submit stale, and a signed-out page is told so in JSON or sent to sign in and back."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.formats import date_format

from assessments.models import AttemptState
from assessments.services import attempts as services
from tests.assessments.test_attempts import correct_post

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def _post(attempt, *, page: str, sequence: int, answers=None) -> dict:
    data = dict(answers.lists()) if answers is not None else {}
    return {**data, "sequence": str(sequence), "page_token": page}


def test_submit_behind_its_own_pages_autosave_is_accepted(learner_client, learner, enrolled, quiz):
    """The page autosaved (its reply not yet read) and then submitted the full form with the
    sequence it had: the submit is graded with every answer, not refused as stale."""
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    answers = correct_post(attempt)
    save = learner_client.post(
        reverse("assessments:save", args=[attempt.pk]), _post(attempt, page="page-one", sequence=0), **JSON
    )
    assert save.status_code == 200 and save.json()["sequence"] == 1
    submit = learner_client.post(
        reverse("assessments:submit", args=[attempt.pk]),
        _post(attempt, page="page-one", sequence=0, answers=answers),
    )
    assert submit.status_code == 302 and submit.url == reverse("assessments:result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED and attempt.percent == 100


def test_a_save_behind_its_own_pages_last_save_is_accepted(learner_client, learner, enrolled, quiz):
    """A save whose earlier reply was lost (same page, older sequence) still stores the answers."""
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    url = reverse("assessments:save", args=[attempt.pk])
    assert learner_client.post(url, _post(attempt, page="page-one", sequence=0), **JSON).status_code == 200
    again = learner_client.post(
        url, _post(attempt, page="page-one", sequence=0, answers=correct_post(attempt)), **JSON
    )
    assert again.status_code == 200 and again.json()["sequence"] == 2
    assert not attempt.responses.filter(answer=None).exists()


def test_submit_from_another_page_after_a_save_is_still_stale(learner_client, learner, enrolled, quiz):
    """Another window saved since this page loaded: its answers are newer, so this page's
    submit is refused (409) and nothing is graded."""
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    learner_client.post(
        reverse("assessments:save", args=[attempt.pk]), _post(attempt, page="page-one", sequence=0), **JSON
    )
    learner_client.post(
        reverse("assessments:save", args=[attempt.pk]), _post(attempt, page="page-two", sequence=1), **JSON
    )
    submit = learner_client.post(
        reverse("assessments:submit", args=[attempt.pk]),
        _post(attempt, page="page-one", sequence=1, answers=correct_post(attempt)),
    )
    assert submit.status_code == 409
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.IN_PROGRESS


def test_save_without_a_page_token_keeps_the_strict_sequence(learner_client, learner, enrolled, quiz):
    """Without the page's token a save behind the server's sequence is stale, as before."""
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    url = reverse("assessments:save", args=[attempt.pk])
    assert learner_client.post(url, {"sequence": "0"}, **JSON).status_code == 200
    assert learner_client.post(url, {"sequence": "0"}, **JSON).status_code == 409


def test_autosave_reply_says_saved_with_the_time_in_the_profile_zone(learner_client, learner, enrolled, quiz):
    """The JSON reply carries `saved: true` and the time in the learner's own time zone."""
    learner.time_zone = "Pacific/Auckland"
    learner.save(update_fields=["time_zone"])
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    reply = learner_client.post(
        reverse("assessments:save", args=[attempt.pk]), _post(attempt, page="page-one", sequence=0), **JSON
    )
    data = reply.json()
    assert reply["Content-Type"] == "application/json" and data["saved"] is True
    import zoneinfo

    from django.utils.dateparse import parse_datetime

    saved_at = parse_datetime(data["saved_at"])
    expected = date_format(saved_at.astimezone(zoneinfo.ZoneInfo("Pacific/Auckland")), "TIME_FORMAT")
    utc = date_format(saved_at.astimezone(datetime.UTC), "TIME_FORMAT")
    assert data["saved_at_display"] == expected and expected != utc


@pytest.mark.parametrize("endpoint", ["assessments:save", "assessments:submit"])
def test_signed_out_xhr_gets_json_401_with_a_sign_in_link_back(learner, enrolled, quiz, endpoint):
    """An autosave or submit from a page whose session expired answers JSON 401 (not the
    login page's HTML) with a sign-in link that returns to the attempt."""
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    reply = client.post(reverse(endpoint, args=[attempt.pk]), {"sequence": "0"}, **JSON)
    assert reply.status_code == 401 and reply["Content-Type"] == "application/json"
    data = reply.json()
    assert data["signed_out"] is True and "saved" not in data
    attempt_url = reverse("assessments:attempt", args=[attempt.pk])
    assert data["login_url"] == f"{reverse('account_login')}?next={attempt_url.replace('/', '%2F')}"


@pytest.mark.parametrize("endpoint", ["assessments:save", "assessments:submit"])
def test_signed_out_form_post_goes_to_sign_in_then_back_to_the_attempt(learner, enrolled, quiz, endpoint):
    """A plain form submit after the session expired (cookies gone, so no CSRF cookie either)
    goes to sign in with `next` at the attempt page, never a 403 or 405."""
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    reply = client.post(reverse(endpoint, args=[attempt.pk]), {"sequence": "0"})
    attempt_url = reverse("assessments:attempt", args=[attempt.pk])
    assert reply.status_code == 302
    assert reply.url == f"{reverse('account_login')}?next={attempt_url.replace('/', '%2F')}"
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.IN_PROGRESS


@pytest.mark.parametrize("endpoint", ["assessments:save", "assessments:submit"])
def test_get_on_save_or_submit_returns_to_the_attempt(learner_client, learner, enrolled, quiz, endpoint):
    """Landing on the save or submit address by GET (a `next` from an old link) goes back to
    the attempt page rather than showing 405."""
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    reply = learner_client.get(reverse(endpoint, args=[attempt.pk]))
    assert reply.status_code == 302 and reply.url == reverse("assessments:attempt", args=[attempt.pk])


def test_signed_in_post_without_csrf_token_is_still_refused(learner, enrolled, quiz):
    """Checking sign-in first does not switch CSRF off for signed-in learners."""
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(learner)
    reply = client.post(reverse("assessments:save", args=[attempt.pk]), {"sequence": "0"}, **JSON)
    assert reply.status_code == 403
    attempt.refresh_from_db()
    assert attempt.sequence == 0


def test_attempt_page_numbers_questions_n_of_total_and_sends_a_page_token(
    learner_client, learner, enrolled, quiz
):
    """The attempt page says "Question n of N" and gives the page its own token."""
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    html = learner_client.get(reverse("assessments:attempt", args=[attempt.pk])).content.decode()
    total = attempt.responses.count()
    assert f"Question 1 of {total}" in html and f"Question {total} of {total}" in html
    assert 'name="page_token"' in html


def test_result_of_a_timed_out_attempt_says_it_was_submitted_with_what_was_saved(
    learner_client, learner, enrolled, module, questions
):
    """When the clock submits the attempt, the result page says so and how many answers went in."""
    from datetime import timedelta

    from tests.factories import build_quiz

    quiz = build_quiz(module, questions=questions, time_limit_minutes=5, title="Timed")
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    first = attempt.responses.get(position=1)
    answers = correct_post(attempt)
    one = {
        k: v
        for k, v in answers.lists()
        if k == services.field_name(first) or k.startswith(f"{services.field_name(first)}:")
    }
    services.attempt_save(attempt_id=attempt.pk, learner=learner, data=_qd(one), sequence=0)
    services.attempt_finalise_if_expired(attempt=attempt, now=attempt.deadline + timedelta(seconds=1))
    html = learner_client.get(reverse("assessments:result", args=[attempt.pk])).content.decode()
    total = attempt.responses.count()
    assert "Time ran out" in html and f"1 of {total} questions had a saved answer" in html


def test_result_of_an_attempt_submitted_in_time_has_no_time_out_note(learner_client, learner, enrolled, quiz):
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    services.attempt_submit(attempt_id=attempt.pk, learner=learner, data=correct_post(attempt))
    html = learner_client.get(reverse("assessments:result", args=[attempt.pk])).content.decode()
    assert "Time ran out" not in html


def _qd(lists: dict):
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    for key, values in lists.items():
        data.setlist(key, values)
    return data


def test_autosave_writes_only_the_answers_that_changed(learner_client, learner, enrolled, quiz):
    """A save that changes one answer rewrites that response only: the others keep the time
    they were saved at, and a save that changes nothing writes no response at all."""
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    url = reverse("assessments:save", args=[attempt.pk])
    answers = correct_post(attempt)
    assert (
        learner_client.post(
            url, _post(attempt, page="page-one", sequence=0, answers=answers), **JSON
        ).status_code
        == 200
    )
    first_saves = dict(attempt.responses.values_list("position", "saved_at"))
    assert None not in first_saves.values()
    first = attempt.responses.get(position=1)
    changed = answers.copy()
    for key in [
        k
        for k in changed
        if k == services.field_name(first) or k.startswith(f"{services.field_name(first)}:")
    ]:
        del changed[key]
    assert (
        learner_client.post(
            url, _post(attempt, page="page-one", sequence=1, answers=changed), **JSON
        ).status_code
        == 200
    )
    second_saves = dict(attempt.responses.values_list("position", "saved_at"))
    assert attempt.responses.get(position=1).answer is None
    assert second_saves[1] > first_saves[1]
    assert {p: t for p, t in second_saves.items() if p != 1} == {
        p: t for p, t in first_saves.items() if p != 1
    }
    assert (
        learner_client.post(
            url, _post(attempt, page="page-one", sequence=2, answers=changed), **JSON
        ).status_code
        == 200
    )
    assert dict(attempt.responses.values_list("position", "saved_at")) == second_saves
