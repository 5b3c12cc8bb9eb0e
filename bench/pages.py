"""Read-side page benchmarks (a `make bench` section; issue 14, P1, P3 and P4).

In-process (the embedded default: SQLite in a private VAR_DIR, local-memory cache), through
Django's whole middleware stack with the test client, CPU time of this process per request:

- P1: the course page (50 lessons), a lesson page of that course and My learning (10
  enrollments), for a signed-in learner, each against a bare view for the same learner
  (bench/urls.py: it touches ``request.user``, so it pays for the session and the user too);
  My learning with 10 enrollments against My learning with 1 ("flat").
- P3: the catalogue and the course page for an anonymous visitor, a repeat (cached) hit
  against the bare view for a visitor, and the queries the repeat hit costs.

Over HTTP (P4): gunicorn (gthread, 2 workers × 4 threads, the Procfile's defaults) on
PostgreSQL, in a database this benchmark creates and drops; a lesson page for a signed-in
learner against the bare view on the same server, in interleaved time slices, requests per
second from 8 keep-alive clients. Skipped (and reported as missed) when PostgreSQL cannot be
reached.

The data is built here: a catalogue, one course of 5 modules × 10 lessons, ten courses of
2 × 5 lessons, and learners with 1, 1 and 10 enrollments, some lessons done.
"""

import contextlib
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.common import interleaved_medians, row

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = int(os.environ.get("BENCH_PAGES_ROUNDS", "9"))
GOAL_PAGE = 8.0
GOAL_FLAT = 1.3
GOAL_CACHED = 2.0
GOAL_HTTP = 0.2
HTTP_PORT = int(os.environ.get("BENCH_HTTP_PORT", "8106"))
HTTP_CLIENTS = 8
HTTP_SLICE_SECONDS = float(os.environ.get("BENCH_HTTP_SLICE", "2"))
HTTP_ROUNDS = max(int(os.environ.get("BENCH_HTTP_ROUNDS", "7")), 7)
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
PG_NAME = os.environ.get("BENCH_PG_NAME", "academy_bench_pages")


def lesson_body(n: int) -> list[dict]:
    words = (
        "Listening carefully builds trust with families. A liaison explains how the school works, "
        "finds an interpreter when one is needed and follows up in writing. "
    ) * 3
    return [
        {"type": "text", "value": f"<h2>Part {n}</h2><p>{words}</p><p>{words}</p>"},
        {
            "type": "callout",
            "value": {"kind": "tip", "title": "Check policy", "text": "<p>Policies vary.</p>"},
        },
        {"type": "reflection", "value": {"prompt": "What did you notice at your school?"}},
        {"type": "takeaways", "value": {"items": ["Listen first.", "Follow up in writing.", "Ask."]}},
    ]


def build_course(index, *, title: str, modules: int, lessons_per_module: int):
    from courses.models import CoursePage, LessonPage, ModulePage

    course = CoursePage(title=title, summary=f"About {title}.", contact_hours=6)
    course.tags.set(["communication", "conflict resolution"])
    index.add_child(instance=course)
    for m in range(modules):
        module = course.add_child(instance=ModulePage(title=f"{title}: module {m + 1}", summary="A module."))
        for n in range(lessons_per_module):
            module.add_child(
                instance=LessonPage(
                    title=f"{title}: lesson {m + 1}.{n + 1}", estimated_minutes=10, body=lesson_body(n)
                )
            )
    return course


def build_data() -> dict:
    """The benchmark's pages and learners, in the default database (empty, migrated)."""
    from wagtail.models import Page, Site

    from content.models import HomePage
    from courses.models import CourseIndexPage, LessonPage
    from courses.services import enrollment_create, lesson_complete
    from training_site.accounts.models import User

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Home", slug="bench-home"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"root_page": home, "hostname": "localhost", "port": 80}
    )
    index = home.add_child(instance=CourseIndexPage(title="Courses", slug="courses"))
    big = build_course(index, title="Family Partnerships", modules=5, lessons_per_module=10)
    small = [
        build_course(index, title=f"Short course {n}", modules=2, lessons_per_module=5) for n in range(10)
    ]

    def learner(email: str, courses: list) -> User:
        user = User.objects.create_user(email=email, password="bench-password-1")  # noqa: S106
        for course in courses:
            enrollment_create(learner=user, course=course)
            for lesson in LessonPage.objects.live().descendant_of(course).order_by("path")[:3]:
                lesson_complete(learner=user, lesson=lesson)
        return user

    reader = learner("reader@example.org", [big])
    one = learner("one@example.org", small[:1])
    ten = learner("ten@example.org", small)
    lessons = list(LessonPage.objects.live().descendant_of(big).order_by("path"))
    return {
        "course_url": big.url,
        "lesson_url": lessons[24].url,
        "catalogue_url": index.url,
        "reader": reader.pk,
        "one": one.pk,
        "ten": ten.pk,
    }


def _client(user_id: int | None):
    from django.test import Client

    from training_site.accounts.models import User

    client = Client()
    if user_id is not None:
        client.force_login(User.objects.get(pk=user_id))
    return client


def _get(client, url: str):
    def fetch():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
        return response

    return fetch


def _queries(fetch) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        fetch()
    return len(queries)


def in_process_rows(data: dict) -> list[dict]:
    from django.core.cache import cache

    reader, one, ten = (_client(data[key]) for key in ("reader", "one", "ten"))
    visitor = _client(None)
    variants = {
        "bare": _get(reader, "/bench/bare/"),
        "course": _get(reader, data["course_url"]),
        "lesson": _get(reader, data["lesson_url"]),
        "dashboard_1": _get(one, "/learning/"),
        "dashboard_10": _get(ten, "/learning/"),
        "bare_anonymous": _get(visitor, "/bench/bare/"),
        "catalogue_anonymous": _get(visitor, data["catalogue_url"]),
        "course_anonymous": _get(visitor, data["course_url"]),
    }
    cache.clear()
    medians = interleaved_medians(variants, rounds=ROUNDS)
    queries = {name: _queries(variants[name]) for name in variants}
    ms = {name: f"{value:.2f} ms" for name, value in medians.items()}

    def per(name: str, base: str) -> float:
        return medians[name] / medians[base]

    return [
        row(
            id="P1",
            subject="course page, 50 lessons, learner (in-process)",
            baseline="bare view, same middleware, same user",
            ratio=per("course", "bare"),
            goal=GOAL_PAGE,
            detail=f"{ms['course']} vs {ms['bare']}; {queries['course']} queries",
        ),
        row(
            id="P1",
            subject="lesson page, 50-lesson course, learner",
            baseline="bare view, same middleware, same user",
            ratio=per("lesson", "bare"),
            goal=GOAL_PAGE,
            detail=f"{ms['lesson']} vs {ms['bare']}; {queries['lesson']} queries",
        ),
        row(
            id="P1",
            subject="My learning, 10 enrollments",
            baseline="bare view, same middleware",
            ratio=per("dashboard_10", "bare"),
            goal=GOAL_PAGE,
            detail=f"{ms['dashboard_10']} vs {ms['bare']}; {queries['dashboard_10']} queries",
        ),
        row(
            id="P1",
            subject="My learning, 10 enrollments (flat)",
            baseline="My learning, 1 enrollment",
            ratio=per("dashboard_10", "dashboard_1"),
            goal=GOAL_FLAT,
            detail=(
                f"{ms['dashboard_10']} vs {ms['dashboard_1']}; "
                f"{queries['dashboard_10']} vs {queries['dashboard_1']} queries"
            ),
        ),
        row(
            id="P3",
            subject="catalogue, visitor, repeat hit",
            baseline="bare view for a visitor",
            ratio=per("catalogue_anonymous", "bare_anonymous"),
            goal=GOAL_CACHED,
            detail=(
                f"{ms['catalogue_anonymous']} vs {ms['bare_anonymous']}; "
                f"{queries['catalogue_anonymous']} queries (goal 0)"
            ),
        ),
        row(
            id="P3",
            subject="queries on a repeat hit: catalogue + course page",
            baseline="(a count, goal 0)",
            ratio=float(queries["catalogue_anonymous"] + queries["course_anonymous"]),
            goal=0,
            detail=f"catalogue {queries['catalogue_anonymous']}, course page {queries['course_anonymous']}",
        ),
        row(
            id="P3",
            subject="course page, visitor, repeat hit",
            baseline="bare view for a visitor",
            ratio=per("course_anonymous", "bare_anonymous"),
            goal=GOAL_CACHED,
            detail=(
                f"{ms['course_anonymous']} vs {ms['bare_anonymous']}; "
                f"{queries['course_anonymous']} queries (goal 0)"
            ),
        ),
    ]


# --- P4: HTTP under gunicorn on PostgreSQL -------------------------------------------------------


def seed_for_http() -> None:
    """Run in a child process with DATABASE_URL set: migrate, build the data, print what the
    load generator needs (URLs and a session cookie for the learner) as JSON."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from training_site.accounts.models import User

    call_command("migrate", interactive=False, verbosity=0)
    data = build_data()
    user = User.objects.get(pk=data["reader"])
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    print(json.dumps({**data, "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"}))


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=5) as connection:
        connection.execute(sql)


def _load(path: str, cookie: str, seconds: float) -> tuple[int, int]:
    """Requests completed (and errors) by HTTP_CLIENTS keep-alive clients in ``seconds``."""
    stop = time.monotonic() + seconds
    counts = [0] * HTTP_CLIENTS
    errors = [0] * HTTP_CLIENTS

    def client(i: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=30)
        headers = {"Cookie": cookie, "Host": "localhost"}
        while time.monotonic() < stop:
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    counts[i] += 1
                else:
                    errors[i] += 1
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=30)
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(HTTP_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts), sum(errors)


def _wait_for_server(process, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited before it answered")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=2)
            connection.request("GET", "/bench/bare/", headers={"Host": "localhost"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer in time")


def http_rows() -> list[dict]:
    subject = "lesson page req/s, gunicorn 2x4, PostgreSQL"
    baseline = "bare view req/s, same server"
    try:
        _pg_admin(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{PG_NAME}"')
    except Exception as error:  # noqa: BLE001 - any failure to reach PostgreSQL skips P4
        return [
            row(
                id="P4",
                subject=subject,
                baseline=baseline,
                ratio=0,
                goal=GOAL_HTTP,
                goal_kind="min",
                detail=f"not measured: PostgreSQL unavailable ({error})",
            )
        ]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": f"{PG_SERVER}/{PG_NAME}",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    server = None
    try:
        seeded = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "bench.pages", "seed"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        data = json.loads(seeded.stdout.strip().splitlines()[-1])
        server = subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "training_site.wsgi:application",
                "--worker-class",
                "gthread",
                "--workers",
                "2",
                "--threads",
                "4",
                "--bind",
                f"127.0.0.1:{HTTP_PORT}",
                "--timeout",
                "30",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _wait_for_server(server, time.monotonic() + 60)
        paths = {"bare": "/bench/bare/", "lesson": data["lesson_url"]}
        for path in paths.values():
            _load(path, data["cookie"], 1.0)
        rates: dict[str, list[float]] = {name: [] for name in paths}
        errors = 0
        for _ in range(HTTP_ROUNDS):
            for name, path in paths.items():
                done, failed = _load(path, data["cookie"], HTTP_SLICE_SECONDS)
                rates[name].append(done / HTTP_SLICE_SECONDS)
                errors += failed
        medians = {name: statistics.median(values) for name, values in rates.items()}
        return [
            row(
                id="P4",
                subject=subject,
                baseline=baseline,
                ratio=medians["lesson"] / medians["bare"] if errors == 0 else 0,
                goal=GOAL_HTTP,
                goal_kind="min",
                detail=(
                    f"{medians['lesson']:.0f} vs {medians['bare']:.0f} req/s, {HTTP_CLIENTS} clients, "
                    f"{HTTP_ROUNDS} slices of {HTTP_SLICE_SECONDS:g} s each; {errors} errors"
                ),
            )
        ]
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        # Best effort: the next run drops it first anyway.
        with contextlib.suppress(Exception):
            _pg_admin(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')


def run() -> list[dict]:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    data = build_data()
    rows = in_process_rows(data)
    if os.environ.get("BENCH_SKIP_HTTP"):
        return rows
    return rows + http_rows()


if __name__ == "__main__":
    if sys.argv[1:] == ["seed"]:
        import django

        django.setup()
        seed_for_http()
