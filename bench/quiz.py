"""Quiz write-path benchmarks (issue 14: G1, G2). Not a timed test.

Every figure is a ratio against a baseline measured in the same run, in the same process,
interleaved round by round and compared by medians of CPU time (``time.process_time``), so
other work on this shared machine disturbs them less than wall-clock time would.

- G1: grading the 50 responses of an attempt with the pure graders (grading data compiled
  once per attempt, as the write path does) against ``json.loads`` of the same 50 stored
  answers, one JSON value each (what the database layer does to read them back).
- G2: the quiz submit view (50 questions) and the autosave view against a bare POST that
  saves one row, all through the same middleware with the same signed-in learner, on the
  test settings' database (SQLite, created and dropped by this script).

``run()`` returns rows for the ``make bench`` driver; run alone with
``python bench/quiz.py``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "9"))
WARMUP = 2
QUESTIONS = 50


def _setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "training_site.settings.test")
    import django

    django.setup()


def cpu_seconds(function: Callable[[], object], repeat: int) -> float:
    start = time.process_time()
    for _ in range(repeat):
        function()
    return (time.process_time() - start) / repeat


def interleaved(
    variants: dict[str, Callable[[], object]], *, repeat: int, rounds: int = ROUNDS
) -> dict[str, float]:
    """Median CPU seconds per call of each variant, the variants taking turns each round."""
    for function in variants.values():
        for _ in range(WARMUP):
            function()
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, function in variants.items():
            samples[name].append(cpu_seconds(function, repeat))
    return {name: statistics.median(values) for name, values in samples.items()}


def row(*, id: str, subject: str, baseline: str, ratio: float, goal: float, detail: str) -> dict:
    return {
        "id": id,
        "subject": subject,
        "baseline": baseline,
        "ratio": round(ratio, 2),
        "goal": goal,
        "met": ratio <= goal,
        "detail": detail,
    }


# --- G1: grading ------------------------------------------------------------------------------


def sample_questions(count: int = QUESTIONS) -> list[tuple[dict, object]]:
    """(grading data as an attempt stores it, a learner's answer) for ``count`` questions
    cycling through the objective types; every fourth answer is a wrong one."""
    from django.core.serializers.json import DjangoJSONEncoder

    from assessments import gift, graders

    templates = [
        "::Q{n}::Pick the right one.{{=Right#Yes ~Wrong#No ~Also wrong#No ~Not this#No}}",
        "::Q{n}::Pick two.{{~%50%Good A#fb ~%50%Good B#fb ~%-100%Bad#fb ~%-50%Poor#fb}}",
        "::Q{n}::The sky is blue.{{T#wrong#right}}",
        "::Q{n}::Name the practice.{{=cultural humility =%50%*humility* =%25%awareness#half}}",
        "::Q{n}::Match them.{{=Left one -> Right one =Left two -> Right two =Left three -> Right three}}",
        "::Q{n}::How many hours?{{#=6:0.5#exactly =%50%4..8#close}}",
    ]
    wrong = ["2", ["1", "3"], False, "curiosity", {"1": "Right two", "2": "Right one"}, "9"]
    text = "\n\n".join(templates[n % len(templates)].format(n=n) for n in range(count))
    questions = []
    for n, question in enumerate(gift.parse_gift(text)):
        data = json.loads(json.dumps(gift.to_grading_data(question), cls=DjangoJSONEncoder))
        answer = wrong[n % len(templates)] if n % 4 == 3 else graders.correct_response(data)
        questions.append((data, answer))
    return questions


def g1_rows() -> list[dict]:
    from assessments import graders

    questions = sample_questions()
    stored = [json.dumps(answer) for _data, answer in questions]
    document = json.dumps(stored)
    compiled = [(graders.compile_grading(data), answer) for data, answer in questions]

    def decode_answers():
        return [json.loads(text) for text in stored]

    def grade_compiled():
        return [question.grade(answer) for question, answer in compiled]

    def compile_and_grade():
        return [graders.compile_grading(data).grade(answer) for data, answer in questions]

    def grade_uncompiled():
        return [graders.grade(data, answer) for data, answer in questions]

    medians = interleaved(
        {
            "loads": decode_answers,
            "one_document": lambda: json.loads(document),
            "compiled": grade_compiled,
            "compile_and_grade": compile_and_grade,
            "uncompiled": grade_uncompiled,
        },
        repeat=200,
    )
    base = medians["loads"]
    detail = (
        f"50 grades {medians['compiled'] * 1e6:.0f} µs, 50 json.loads {base * 1e6:.0f} µs; "
        f"compiling as well {medians['compile_and_grade'] / base:.1f}x; "
        f"grade(data, answer) {medians['uncompiled'] / base:.1f}x; "
        f"vs one 50-answer document {medians['compiled'] / medians['one_document']:.1f}x"
    )
    return [
        row(
            id="G1",
            subject="grading 50 responses (compiled grading data)",
            baseline="json.loads of the 50 stored answers",
            ratio=medians["compiled"] / base,
            goal=10.0,
            detail=detail,
        )
    ]


# --- G2: the quiz views ---------------------------------------------------------------------


def answer_fields(name: str, data: dict, answer: object) -> dict[str, object]:
    """The form fields a learner's browser posts for ``answer`` (bench-only encoding)."""
    if data["type"] == "matching":
        return {f"{name}:{left}": right for left, right in answer.items()}
    if data["type"] == "true_false":
        return {name: "true" if answer else "false"}
    return {name: answer}


def quiz_fixture(*, questions: int = QUESTIONS, learners: int = 1, **quiz_settings):
    """A course with a quiz of ``questions`` fixed questions and enrolled learners."""
    from courses.models import ModulePage
    from tests.factories import build_course, build_quiz, make_questions, site_tree

    _home, index = site_tree()
    course = build_course(index, modules=1, lessons_per_module=3)
    module = ModulePage.objects.child_of(course).first()
    quiz = build_quiz(module, questions=make_questions(questions), shuffle_options=True, **quiz_settings)
    return quiz, learners_for(quiz, learners)


def learners_for(quiz, count: int) -> list:
    """``count`` new learners enrolled in the quiz's course."""
    from assessments.selectors import quiz_course
    from courses.services import enrollment_create
    from tests.factories import UserFactory

    course = quiz_course(quiz)
    users = []
    for _ in range(count):
        user = UserFactory()
        enrollment_create(learner=user, course=course)
        users.append(user)
    return users


def attempt_post(attempt, *, wrong_first: bool = False) -> dict[str, object]:
    """A whole quiz form: a full-marks answer to every question (the first one wrong if asked)."""
    from assessments import graders
    from assessments.services.attempts import field_name

    post: dict[str, object] = {}
    for response in attempt.responses.order_by("position"):
        answer = graders.correct_response(response.grading_data)
        if wrong_first and response.position == 1 and response.grading_data["type"] == "single_choice":
            answer = next(o["id"] for o in response.grading_data["options"] if o["id"] != answer)
        post.update(answer_fields(field_name(response), response.grading_data, answer))
    return post


def form_post(client, url: str, data: dict, **extra):
    """POST ``data`` urlencoded, as the quiz form and its autosave send it (no files)."""
    from urllib.parse import urlencode

    return client.post(
        url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded", **extra
    )


def timed_medians(variants: dict[str, tuple[Callable, Callable]], *, repeat: int) -> dict[str, float]:
    """Like ``interleaved`` but each variant is (setup, measured call): only the call is timed."""
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for round_number in range(WARMUP + ROUNDS):
        for name, (setup, call) in variants.items():
            total = 0.0
            for _ in range(repeat):
                argument = setup()
                start = time.process_time()
                call(argument)
                total += time.process_time() - start
            if round_number >= WARMUP:
                samples[name].append(total / repeat)
    return {name: statistics.median(values) for name, values in samples.items()}


def g2_rows() -> list[dict]:
    from django.test import Client
    from django.test.utils import override_settings, setup_databases, teardown_databases
    from django.urls import reverse

    from assessments.services import attempts as attempt_services

    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        with override_settings(ROOT_URLCONF="bench.quiz_urls", COURSE_COMPLETION_HANDLERS=[]):
            # Two learners: one attempt stays open for the autosaves while the other learner
            # starts and submits attempt after attempt (one open attempt per learner and quiz).
            quiz, (learner, saver) = quiz_fixture(learners=2)
            client = Client()
            client.force_login(learner)
            save_client = Client()
            save_client.force_login(saver)
            bare_url = reverse("bench_bare_save")

            def new_attempt():
                # A new learner each time: exam day is first attempts, and one learner's
                # growing list of attempts would weigh on the grade across attempts.
                (fresh,) = learners_for(quiz, 1)
                client.force_login(fresh)
                attempt = attempt_services.quiz_start(learner=fresh, quiz=quiz)
                return reverse("assessments:submit", args=[attempt.pk]), {
                    **attempt_post(attempt),
                    "sequence": 0,
                }

            def submit(argument):
                url, post = argument
                response = form_post(client, url, post)
                assert response.status_code == 302, response.status_code

            saving = attempt_services.quiz_start(learner=saver, quiz=quiz)
            save_url = reverse("assessments:save", args=[saving.pk])
            forms = [attempt_post(saving), attempt_post(saving, wrong_first=True)]
            state = {"sequence": 0, "turn": 0}

            def next_save():
                # Each autosave sends the whole form with one answer changed, as a learner does.
                state["turn"] += 1
                return {
                    **forms[state["turn"] % 2],
                    "sequence": state["sequence"],
                    "page_token": "bench-page-1",
                }

            def save(post):
                response = form_post(save_client, save_url, post, HTTP_ACCEPT="application/json")
                assert response.status_code == 200, response.content
                state["sequence"] = response.json()["sequence"]

            def bare(post):
                response = form_post(client, bare_url, post)
                assert response.status_code == 200, response.status_code

            medians = timed_medians(
                {
                    "bare": (lambda: {"value": "a value"}, bare),
                    "save": (next_save, save),
                    "submit": (new_attempt, submit),
                },
                repeat=5,
            )
    finally:
        teardown_databases(old_config, verbosity=0)
    base = medians["bare"]
    detail = (
        "CPU per request: bare {:.1f} ms, autosave {:.1f} ms, submit {:.1f} ms (SQLite, in-process)".format(
            base * 1e3, medians["save"] * 1e3, medians["submit"] * 1e3
        )
    )
    return [
        row(
            id="G2",
            subject="quiz submit view, 50 questions",
            baseline="bare POST saving one row",
            ratio=medians["submit"] / base,
            goal=6.0,
            detail=detail,
        ),
        row(
            id="G2",
            subject="quiz autosave view, 50 questions, one answer changed",
            baseline="bare POST saving one row",
            ratio=medians["save"] / base,
            goal=3.0,
            detail=detail,
        ),
    ]


def run() -> list[dict]:
    _setup_django()
    from django.test.utils import setup_test_environment

    setup_test_environment()
    return [*g1_rows(), *g2_rows()]


if __name__ == "__main__":
    for result in run():
        print(json.dumps(result, ensure_ascii=False))  # noqa: T201
