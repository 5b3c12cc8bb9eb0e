"""Fault tests (issue 12): lost workers, a Redis restart and two loaders at once.

Each test runs its own Celery worker (and beat where recovery depends on the sweep)
against a private, append-only redis-server on a port of its own, so killing and
restarting never touches the shared Redis or the session's worker. The workers get a
short claim age and sweep interval (CERTIFICATE_RENDER_STALE_AFTER,
CERTIFICATE_RENDER_SWEEP_INTERVAL) and a test-only delay inside the render
(CERTIFICATE_RENDER_TEST_DELAY) so a kill lands mid-render; the real render still runs.
Every test ends with check_consistency clean.
"""

import hashlib
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from pypdf import PdfReader

from certificates.models import Certificate, CertificateStatus
from tests.certificates.factories import CertificateFactory, complete_course
from tests.factories import UserFactory, build_course, site_tree

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(__file__).resolve().parents[2]
RENDER_TASK = "certificates.tasks.certificate_render"
# Short enough that each test takes seconds, long enough that a live render is never
# taken over: the claim age stays above the test render delay plus the render itself.
# FAULT_TEST_STALE_AFTER=105 FAULT_TEST_SWEEP_INTERVAL=60 measures recovery with the
# production defaults instead (about three minutes per test).
STALE_AFTER = int(os.environ.get("FAULT_TEST_STALE_AFTER", "10"))
SWEEP_INTERVAL = float(os.environ.get("FAULT_TEST_SWEEP_INTERVAL", "2"))
RENDER_DELAY = 5
# The brief's goal is 3 minutes; with the shortened ages a test that has not recovered
# within this has not recovered at all.
RECOVERY_TIMEOUT = 90 + 2 * STALE_AFTER


class PrivateRedis:
    """A redis-server with append-only persistence in a temporary folder."""

    def __init__(self, port: int, folder: Path):
        self.port = port
        self.folder = folder
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.1)
        pytest.fail(f"private redis-server on {self.port} did not start")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


def free_port() -> int:
    """The first port of this project's private range (6421-6428) with nothing on it."""
    for port in range(6421, 6429):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.fail("no free port in 6421-6428 for a private redis-server")


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(free_port(), tmp_path)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def certificates_folder():
    folder = Path(django_settings.MEDIA_ROOT) / "certificates"
    shutil.rmtree(folder, ignore_errors=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def processes():
    """Starts workers and beat against the private Redis; kills what is left at the end."""
    started: list[subprocess.Popen] = []
    db = django_settings.DATABASES["default"]
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    (ROOT / "var").mkdir(exist_ok=True)

    def start(
        kind: str, redis_url: str, *, delay: float = RENDER_DELAY, tmp: Path | None = None
    ) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "training_site.settings.test",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CERTIFICATE_RENDER_STALE_AFTER": str(STALE_AFTER),
            "CERTIFICATE_RENDER_SWEEP_INTERVAL": str(SWEEP_INTERVAL),
            "CERTIFICATE_RENDER_TEST_DELAY": str(delay),
        }
        name = f"fault-{kind}-{len(started)}-{os.getpid()}"
        if kind == "worker":
            args = ["worker", "-Q", "default,pdf,email", "--concurrency", "1", "--without-gossip"]
            args += ["--without-mingle", "--hostname", f"{name}@%h", "--loglevel", "info"]
        else:
            args = ["beat", "--loglevel", "info", "-s", str(tmp / f"{name}-schedule")]
        log = open(ROOT / "var" / f"test-{name}.log", "w")  # noqa: SIM115
        # A session of its own: "kill -9 the whole worker" kills its pool processes too.
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "celery", "-A", "training_site", *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(process)
        if kind == "worker":
            wait_for_worker(process, redis_url)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def client_app(redis_url: str) -> Celery:
    # Not the current app: shared tasks queued later in the session (other test modules)
    # must keep using the project's broker, not this private Redis.
    app = Celery("fault-tests", broker=redis_url, backend=redis_url, set_as_current=False)
    app.conf.broker_connection_retry_on_startup = True
    return app


def wait_for_worker(process: subprocess.Popen, redis_url: str) -> None:
    import redis

    app = client_app(redis_url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"worker exited with {process.returncode}; see var/test-fault-*.log")
        try:
            if app.control.ping(timeout=1.0):
                return
        except (redis.RedisError, OSError):
            time.sleep(0.5)
    pytest.fail("worker did not answer within 60 s")


def send_render(redis_url: str, certificate_id: int) -> None:
    client_app(redis_url).send_task(RENDER_TASK, args=[certificate_id], queue="pdf")


def pending_certificates(count: int) -> list[Certificate]:
    """Completed enrollments with pending certificates and no render queued anywhere."""
    _home, index = site_tree()
    course = build_course(index, modules=1, lessons_per_module=1)
    certificates = []
    for _n in range(count):
        enrollment = complete_course(UserFactory(), course)
        certificates.append(CertificateFactory(enrollment=enrollment))
    return certificates


def wait_for(predicate, what: str, timeout: float = RECOVERY_TIMEOUT) -> float:
    """Seconds until ``predicate()`` holds (fails after ``timeout``)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.2)
    pytest.fail(f"{what} not reached within {timeout} s")


def status_is(certificate: Certificate, status: str):
    return lambda: Certificate.objects.filter(pk=certificate.pk, status=status).exists()


def assert_valid_pdf(certificate: Certificate, folder: Path) -> None:
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED
    data = (folder / f"{certificate.public_id}.pdf").read_bytes()
    assert hashlib.sha256(data).hexdigest() == certificate.sha256
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert certificate.code in text


def assert_consistent() -> None:
    out = io.StringIO()
    call_command("check_consistency", stdout=out)
    assert "no findings" in out.getvalue()


def pool_children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def report(name: str, seconds: float) -> None:
    # Shown with `pytest -s`, and in the log of a failing run.
    print(f"\n[fault] {name}: {seconds:.1f} s")  # noqa: T201


@pytest.fixture(autouse=True)
def _no_render_on_completion(settings):
    # Certificates are made pending by the tests and sent to the private Redis only.
    settings.COURSE_COMPLETION_HANDLERS = []


def test_kill_9_of_the_pool_process_mid_render_is_redelivered_and_rendered(
    private_redis, processes, certificates_folder
):
    """The pool process dies mid-render (kill -9): the message comes back (acks_late,
    reject_on_worker_lost) with the same task id, resumes its claim and renders once."""
    (certificate,) = pending_certificates(1)
    worker = processes("worker", private_redis.url)
    send_render(private_redis.url, certificate.pk)
    wait_for(status_is(certificate, CertificateStatus.RENDERING), "rendering", timeout=60)
    (child,) = pool_children(worker.pid)
    os.kill(child, signal.SIGKILL)
    recovered = wait_for(status_is(certificate, CertificateStatus.ISSUED), "issued after the pool kill")
    report("pool process kill -9 -> valid PDF", recovered)
    assert_valid_pdf(certificate, certificates_folder)
    assert sorted(certificates_folder.iterdir()) == [certificates_folder / f"{certificate.public_id}.pdf"]
    assert_consistent()


def test_kill_9_of_the_whole_worker_is_recovered_by_the_sweep_on_a_new_worker(
    private_redis, processes, certificates_folder, tmp_path
):
    """The whole worker dies mid-render (its message stays unacknowledged in Redis for the
    visibility timeout): a new worker and beat's sweep take the stale claim over and a
    valid PDF is stored well within 3 minutes of the new worker starting."""
    (certificate,) = pending_certificates(1)
    first = processes("worker", private_redis.url)
    send_render(private_redis.url, certificate.pk)
    wait_for(status_is(certificate, CertificateStatus.RENDERING), "rendering", timeout=60)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=20)
    started = time.monotonic()
    processes("worker", private_redis.url)
    processes("beat", private_redis.url, tmp=tmp_path)
    wait_for(status_is(certificate, CertificateStatus.ISSUED), "issued after the worker kill")
    report("whole worker kill -9 -> valid PDF (from new worker start)", time.monotonic() - started)
    assert_valid_pdf(certificate, certificates_folder)
    assert_consistent()


def test_a_redis_restart_with_renders_queued_loses_none(
    private_redis, processes, certificates_folder, tmp_path
):
    """Renders queued while no worker runs survive a kill -9 of the append-only Redis; one
    whose message was lost before it reached Redis is found by the sweep. Every one is
    rendered after the restart."""
    certificates = pending_certificates(4)
    queued, lost = certificates[:3], certificates[3]
    for certificate in queued:
        send_render(private_redis.url, certificate.pk)
    import redis

    assert redis.Redis(port=private_redis.port).llen("pdf") == len(queued)
    time.sleep(1.5)  # appendfsync everysec: what was acknowledged a second ago is on disk
    private_redis.kill()
    private_redis.start()
    assert redis.Redis(port=private_redis.port).llen("pdf") == len(queued)
    started = time.monotonic()
    processes("worker", private_redis.url, delay=0)
    processes("beat", private_redis.url, tmp=tmp_path)
    done = lambda: not Certificate.objects.exclude(status=CertificateStatus.ISSUED).exists()  # noqa: E731
    wait_for(done, "every render done after the Redis restart")
    report("Redis restart -> all renders done (from worker start)", time.monotonic() - started)
    for certificate in [*queued, lost]:
        assert_valid_pdf(certificate, certificates_folder)
    assert_consistent()


def test_two_curriculum_loads_at_once_one_waits_or_exits_cleanly(tmp_path):
    """Two load_curriculum processes at once on PostgreSQL: the one holding the lock loads,
    the other exits with 'Another load_curriculum is running' (no traceback), or, if it
    only got the lock afterwards, finds nothing to create. (--wait is tested on SQLite.)"""
    db = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "training_site.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    command = [sys.executable, "manage.py", "load_curriculum"]
    first = subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )

    def first_holds_the_lock() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
            return cursor.fetchone()[0] > 0

    wait_for(first_holds_the_lock, "the first loader holding the lock", timeout=120)
    second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)  # noqa: S603
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    assert "created" in out
    if second.returncode != 0:
        assert "Another load_curriculum is running" in second.stderr
    else:  # it only got the lock after the first had finished: nothing left to do
        assert "Curriculum: 0 created" in second.stdout
    assert "Traceback" not in second.stderr + err
    assert_consistent()
