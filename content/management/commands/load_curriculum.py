import contextlib
import fcntl
import hashlib
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from content.curriculum import CURRICULUM_DIR, CurriculumError, curriculum_load

# Any fixed 64-bit number: the key of the PostgreSQL advisory lock every loader takes.
ADVISORY_LOCK_KEY = 0x4C41_4341_5552_5249  # "LACURRI"
POLL_SECONDS = 0.5


def _sqlite_lock_path() -> Path:
    # Two loaders share a lock when they share a database file: the lock file sits beside
    # it. An in-memory database (tests) has no file; a temporary path keyed by its name.
    name = str(connection.settings_dict["NAME"])
    if name and not name.startswith("file:") and name != ":memory:":
        return Path(f"{name}.load_curriculum.lock")
    digest = hashlib.sha256(name.encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"liaison-load_curriculum-{digest}.lock"


@contextlib.contextmanager
def curriculum_lock(*, wait_seconds: float = 0) -> Iterator[bool]:
    """Hold the one loader lock for the duration; yields whether it was acquired.

    PostgreSQL: a session advisory lock (released with the connection if the process
    dies). SQLite: an flock on a file beside the database (released by the kernel if the
    process dies). Polls until ``wait_seconds`` have passed.
    """
    deadline = time.monotonic() + wait_seconds
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            while True:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
                acquired = cursor.fetchone()[0]
                if acquired or time.monotonic() >= deadline:
                    break
                time.sleep(POLL_SECONDS)
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
        return
    with open(_sqlite_lock_path(), "a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                acquired = True
            except BlockingIOError:
                acquired = False
            if acquired or time.monotonic() >= deadline:
                break
            time.sleep(POLL_SECONDS)
        try:
            yield acquired
        finally:
            if acquired:
                fcntl.flock(handle, fcntl.LOCK_UN)


class Command(BaseCommand):
    help = "Build the curriculum pages from content/curriculum/ (creates what is missing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--update",
            action="store_true",
            help="Publish new revisions for pages whose source changed (never over an edit).",
        )
        parser.add_argument("--root", default=str(CURRICULUM_DIR), help="Curriculum folder.")
        parser.add_argument(
            "--wait",
            type=float,
            default=0,
            metavar="SECONDS",
            help="If another load is running, wait up to this long for it to finish (default: exit at once).",
        )

    def handle(self, *args, **options):
        # Two loads at once would race on the same keyed pages and one would die on a
        # unique constraint; one lock serialises them (the second then finds nothing to do).
        with curriculum_lock(wait_seconds=options["wait"]) as acquired:
            if not acquired:
                raise CommandError(
                    "Another load_curriculum is running; try again when it has finished "
                    "(or pass --wait SECONDS to wait for it)."
                )
            try:
                report = curriculum_load(root=Path(options["root"]), update=options["update"])
            except CurriculumError as error:
                raise CommandError(str(error)) from error
        self.stdout.write(
            f"Curriculum: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged, {len(report.kept_edits)} kept (edited in Wagtail), "
            f"{len(report.kept_questions)} questions kept, {len(report.retired_questions)} retired."
        )
        for line in report.kept_lines():
            self.stdout.write(line)
        for label in report.retired_questions:
            self.stdout.write(f"  retired question: {label}")
