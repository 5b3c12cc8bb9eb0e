"""Exam-day burst (issue 14, L1): 200 learners start one timed quiz within 10 s, save twice
with think time and submit, against gunicorn on PostgreSQL; the same burst shape against
bare one-row POST endpoints on the same server, in the same run, is the baseline.

Everything is started and removed by this script: a PostgreSQL database of its own
(``bench_burst_<pid>``, created from ``BENCH_POSTGRES_URL`` and dropped at the end), a
gunicorn (gthread) on 127.0.0.1 with production settings plus the bench's bare endpoints
(bench/settings_burst.py, cache keys under a prefix of this run, deleted at the end), and an
asyncio/httpx client in this process. Django runs only in subprocesses (migrate, data set-up,
the final database check), so the driver's own Django set-up does not matter.

The client is bounded: ``LEARNERS`` learners, four POSTs each, ``REQUEST_TIMEOUT`` per request
and ``BURST_DEADLINE`` per burst; only 127.0.0.1 is contacted. The check at the end reads the
database: exactly one attempt per learner, graded, with every question answered and full
marks (each learner's last form answers everything correctly), so nothing was lost.

``python bench/burst.py`` runs the default configuration and prints its rows;
``python bench/burst.py --tune 2x4,2x8,4x4`` measures several workers x threads.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
LEARNERS = int(os.environ.get("BENCH_BURST_LEARNERS", "200"))
QUESTIONS = int(os.environ.get("BENCH_BURST_QUESTIONS", "20"))
SPREAD_SECONDS = 10.0
THINK_SECONDS = (1.0, 3.0)
REQUEST_TIMEOUT = 60.0
BURST_DEADLINE = 240.0
PORT = int(os.environ.get("BENCH_BURST_PORT", "8110"))
DEFAULT_CONFIG = (2, 8)  # workers, threads: the Procfile's default (docs/performance.md)
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
STEPS = ("start", "save 1", "save 2", "submit")
GOAL = 10.0
CSRF_TOKEN = secrets.token_hex(16)


# --- the server side (subprocesses) ---------------------------------------------------------


def _server_env(database_url: str, prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "bench.settings_burst",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "BENCH_CACHE_PREFIX": prefix,
        "SECRET_KEY": "bench-burst-only-" + secrets.token_hex(24),
        "ALLOWED_HOSTS": "127.0.0.1",
        "BASE_URL": f"http://127.0.0.1:{PORT}",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(statement)


def prepare(groups: int) -> dict:
    """In the server's environment: a quiz, learners with sessions, and the forms they post."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from assessments.services import attempts as attempt_services
    from bench.quiz import attempt_post, learners_for, quiz_fixture

    quiz, (probe,) = quiz_fixture(questions=QUESTIONS, learners=1, time_limit_minutes=30)
    form = attempt_post(attempt_services.quiz_start(learner=probe, quiz=quiz))
    # The first autosave has about half of the answers; the second and the submit all.
    first = {key: value for index, (key, value) in enumerate(form.items()) if index % 2 == 0}
    backend = settings.AUTHENTICATION_BACKENDS[0]

    def sessions(users) -> list[list]:
        keys = []
        for user in users:
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = backend
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            keys.append([user.pk, session.session_key])
        return keys

    return {
        "quiz_id": quiz.pk,
        "form": form,
        "first_form": first,
        "baseline": sessions(learners_for(quiz, LEARNERS)),
        "groups": [sessions(learners_for(quiz, LEARNERS)) for _ in range(groups)],
        "warmup": sessions(learners_for(quiz, 1))[0],
    }


def check(quiz_id: int, learner_ids: list[int]) -> dict:
    """In the server's environment: one graded attempt per learner, every answer kept."""
    import django

    django.setup()
    from django.db.models import Count, Q

    from assessments.models import Attempt, AttemptState

    attempts = (
        Attempt.objects.filter(quiz_id=quiz_id, learner_id__in=learner_ids)
        .annotate(answered=Count("responses", filter=~Q(responses__answer=None)))
        .values_list("learner_id", "state", "percent", "answered")
    )
    per_learner: dict[int, list] = {}
    for learner_id, state, percent, answered in attempts:
        per_learner.setdefault(learner_id, []).append((state, percent, answered))
    good = sum(
        1
        for rows in per_learner.values()
        if len(rows) == 1
        and rows[0][0] == AttemptState.GRADED
        and rows[0][1] == 100
        and rows[0][2] == QUESTIONS
    )
    return {
        "learners": len(learner_ids),
        "with_one_full_graded_attempt": good,
        "without_attempt": len(set(learner_ids) - set(per_learner)),
        "with_several": sum(1 for rows in per_learner.values() if len(rows) > 1),
    }


def _django(command: list[str], env: dict, *, timeout: float = 600) -> str:
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [PYTHON, *command], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{command} failed:\n{result.stderr[-3000:]}")
    return result.stdout


@dataclass
class Server:
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _start_server(env: dict, workers: int, threads: int, log: Path) -> Server:
    command = [
        str(Path(PYTHON).with_name("gunicorn")),
        "training_site.wsgi:application",
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{PORT}",
        "--timeout",
        "60",
        "--backlog",
        "2048",
        # Several gunicorns on one machine (other benches, run-prod-like) would share the
        # default control socket path.
        "--no-control-socket",
    ]
    handle = log.open("w")
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)  # noqa: S603
    return Server(process, log)


# --- the client (this process) --------------------------------------------------------------


@dataclass
class Burst:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {step: [] for step in STEPS})
    errors: list[str] = field(default_factory=list)


async def _learner(
    client, burst: Burst, session_key: str, *, setup: dict, bare: bool, rng: random.Random
) -> None:
    import httpx

    headers = {"Cookie": f"sessionid={session_key}; csrftoken={CSRF_TOKEN}", "X-CSRFToken": CSRF_TOKEN}
    json_headers = {**headers, "Accept": "application/json"}
    base = f"http://127.0.0.1:{PORT}"
    bare_url = f"{base}/bench/bare-save/"

    async def post(step: str, url: str, data: dict, expect: int, *, as_json: bool = False):
        started = time.perf_counter()
        try:
            response = await client.post(url, data=data, headers=json_headers if as_json else headers)
        except httpx.HTTPError as error:
            burst.errors.append(f"{step}: {type(error).__name__}")
            return None
        burst.latencies[step].append(time.perf_counter() - started)
        if response.status_code != expect:
            burst.errors.append(f"{step}: HTTP {response.status_code}")
            return None
        return response

    async def think() -> None:
        await asyncio.sleep(rng.uniform(*THINK_SECONDS))

    await asyncio.sleep(rng.uniform(0, SPREAD_SECONDS))
    if bare:
        for step in STEPS:
            if await post(step, bare_url, {"value": step}, 200) is None:
                return
            if step != STEPS[-1]:
                await think()
        return
    token = secrets.token_urlsafe(12)
    started = await post("start", f"{base}/learning/quizzes/{setup['quiz_id']}/start/", {}, 302)
    if started is None:
        return
    match = re.search(r"/attempts/(\d+)/", started.headers.get("location", ""))
    if not match:
        burst.errors.append("start: no attempt in the redirect")
        return
    attempt = f"{base}/learning/attempts/{match.group(1)}"
    sequence = 0
    for step, form in (("save 1", setup["first_form"]), ("save 2", setup["form"])):
        await think()
        saved = await post(
            step, f"{attempt}/save/", {**form, "sequence": sequence, "page_token": token}, 200, as_json=True
        )
        if saved is None:
            return
        sequence = saved.json()["sequence"]
    await think()
    await post(
        "submit", f"{attempt}/submit/", {**setup["form"], "sequence": sequence, "page_token": token}, 302
    )


async def _burst(sessions: list[list], *, setup: dict, bare: bool, seed: int) -> Burst:
    import httpx

    burst = Burst()
    # A connection per request: a kept-alive connection idle through a learner's think time
    # is closed by gunicorn (keep-alive 2 s) and a POST sent on it just then fails with a
    # ReadError that a browser would retry on a new connection.
    limits = httpx.Limits(max_connections=len(sessions) + 10, max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits, follow_redirects=False) as client:
        tasks = [
            _learner(client, burst, key, setup=setup, bare=bare, rng=random.Random(seed + index))  # noqa: S311
            for index, (_pk, key) in enumerate(sessions)
        ]
        try:
            await asyncio.wait_for(asyncio.gather(*tasks), BURST_DEADLINE)
        except TimeoutError:
            burst.errors.append(f"burst exceeded {BURST_DEADLINE:.0f} s")
    return burst


def _wait_until_up(server: Server, warmup_session: str) -> None:
    import httpx

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {server.log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/health/", timeout=5).status_code < 500:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    else:
        raise RuntimeError("gunicorn did not answer within 90 s")
    headers = {"Cookie": f"sessionid={warmup_session}; csrftoken={CSRF_TOKEN}", "X-CSRFToken": CSRF_TOKEN}
    for _ in range(20):  # every worker imports the URLconf and views before the burst
        httpx.post(
            f"http://127.0.0.1:{PORT}/bench/bare-save/", data={"value": "w"}, headers=headers, timeout=30
        )


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return float("nan")
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def _rows(config: tuple[int, int], base: Burst, quiz: Burst, db: dict) -> list[dict]:
    workers, threads = config
    rows = []
    shape = f"{LEARNERS} learners, {QUESTIONS} questions, gthread {workers}x{threads}"
    for step in STEPS:
        base_p95 = p95(base.latencies[step])
        ratio = p95(quiz.latencies[step]) / base_p95
        rows.append(
            {
                "id": "L1",
                "subject": f"burst {step}: {shape}",
                "baseline": f"bare one-row POST, same burst, same server: p95 {base_p95 * 1e3:.0f} ms",
                "ratio": round(ratio, 2),
                "goal": GOAL,
                "met": ratio <= GOAL and not quiz.errors and not base.errors,
                "detail": f"p95 {p95(quiz.latencies[step]) * 1e3:.0f} ms, median "
                f"{statistics.median(quiz.latencies[step]) * 1e3:.0f} ms, n={len(quiz.latencies[step])}",
            }
        )
    load = "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    complete = db["with_one_full_graded_attempt"] == db["learners"] and not quiz.errors and not base.errors
    rows.append(
        {
            "id": "L1",
            "subject": f"burst: errors and database check, gthread {workers}x{threads}",
            "baseline": "0 errors; exactly one graded attempt per learner with every answer",
            "ratio": float(len(quiz.errors) + len(base.errors)),
            "goal": 0.0,
            "met": complete,
            "detail": f"errors: quiz {sorted(set(quiz.errors))[:5]} ({len(quiz.errors)}), "
            f"baseline {sorted(set(base.errors))[:5]} ({len(base.errors)}); db {json.dumps(db)}; {load}",
        }
    )
    return rows


def run(configs: list[tuple[int, int]] | None = None) -> list[dict]:
    configs = configs or [DEFAULT_CONFIG]
    name = f"bench_burst_{os.getpid()}"
    database_url = _with_database(POSTGRES_URL, name)
    prefix = f"bench-burst-{os.getpid()}-{secrets.token_hex(4)}"
    env = _server_env(database_url, prefix)
    log_dir = ROOT / "var" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    _admin_sql(f'CREATE DATABASE "{name}"')
    rows: list[dict] = []
    try:
        _django(["manage.py", "migrate", "--noinput", "-v0"], env)
        setup = json.loads(_django([__file__, "--prepare", str(len(configs))], env).splitlines()[-1])
        for index, config in enumerate(configs):
            server = _start_server(env, *config, log_dir / f"gunicorn-{config[0]}x{config[1]}.log")
            try:
                _wait_until_up(server, setup["warmup"][1])
                base = asyncio.run(_burst(setup["baseline"], setup=setup, bare=True, seed=index * 1000))
                quiz = asyncio.run(_burst(setup["groups"][index], setup=setup, bare=False, seed=index * 1000))
            finally:
                server.stop()
            learner_ids = [pk for pk, _key in setup["groups"][index]]
            db = json.loads(
                _django(
                    [__file__, "--check", str(setup["quiz_id"]), json.dumps(learner_ids)], env
                ).splitlines()[-1]
            )
            rows += _rows(config, base, quiz, db)
    finally:
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _delete_cache_keys(prefix)
    return rows


def _delete_cache_keys(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        client.delete(key)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--prepare":
        print(json.dumps(prepare(int(sys.argv[2]))))  # noqa: T201
    elif len(sys.argv) > 1 and sys.argv[1] == "--check":
        print(json.dumps(check(int(sys.argv[2]), json.loads(sys.argv[3]))))  # noqa: T201
    else:
        chosen = None
        if len(sys.argv) > 2 and sys.argv[1] == "--tune":
            chosen = [tuple(int(n) for n in item.split("x")) for item in sys.argv[2].split(",")]
        for result in run(chosen):
            print(json.dumps(result, ensure_ascii=False))  # noqa: T201
