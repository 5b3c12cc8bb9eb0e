"""Services suite for the platform: PostgreSQL constraints, parallel writes, a real worker."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from courses.models import Enrollment
from courses.services import enrollment_create
from tests.factories import UserFactory, build_course, site_tree
from training_site.celery import ping

pytestmark = pytest.mark.services


@pytest.mark.django_db
def test_migrations_create_the_partial_unique_index_on_postgres():
    """The one-current-enrollment rule is a real partial unique index in PostgreSQL."""
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
            ["courses_enrollment_one_current_per_course"],
        )
        (definition,) = cursor.fetchone()
    assert "UNIQUE" in definition and "WHERE" in definition and "withdrawn" in definition


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_parallel_enrollments_create_one():
    """Twenty simultaneous enroll requests for one learner and course leave one enrollment."""
    _home, index = site_tree()
    course = build_course(index)
    learner = UserFactory()

    def enroll(_n):
        try:
            return enrollment_create(learner=learner, course=course).pk
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=20) as pool:
        ids = set(pool.map(enroll, range(20)))
    assert Enrollment.objects.filter(learner=learner, course=course).count() == 1
    assert ids == {Enrollment.objects.get(learner=learner, course=course).pk}


# serialized_rollback like every other transactional test here: without it the flush after
# this test re-creates content types (post_migrate), and the next test that restores the
# serialized database collides with them (the regrade race tests, which now run after it).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("queue", ["default", "pdf", "email"])
def test_worker_consumes_every_queue(celery_worker_process, queue):
    """The worker started by the fixture answers a task sent to each queue."""
    result = ping.apply_async(queue=queue)
    assert result.get(timeout=30) == "pong"
