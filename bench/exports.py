"""`make bench` section ``exports``: the progress matrix export as the background task builds it.

Goals (issue 16): the export of 10,000 learners × 4 courses costs at most 2× a raw SQL
query plus ``csv.writer`` for the same rows (E1), and 10,000 learners cost at most 11× 1,000
learners (E2: linear, with the fixed part allowed to shrink). Both measured as CPU time of
``report_export_build`` (rows from the progress owner, formula neutralization, the file
written to the reports storage), interleaved with the baselines, medians of 7 rounds.

The raw baseline reads the same columns in one SQL statement (learner, email, course, lessons
done, last activity, final result, certificate code, due date; status and percent derived in
Python from the same numbers) and writes them with ``csv.writer``: the least a hand-written
export could do.
"""

import csv
import datetime
import io
import os

from bench.common import interleaved_medians, row

ROUNDS = int(os.environ.get("BENCH_EXPORTS_ROUNDS", "7"))
LARGE, SMALL, COURSES = 10_000, 1_000, 4
GOAL_RAW = 2.0
GOAL_SCALE = 11.0

RAW_SQL = """
SELECT u.display_name, u.email, p.title, e.status,
       (SELECT COUNT(*) FROM courses_lessonprogress lp WHERE lp.enrollment_id = e.id),
       (SELECT MAX(ev.occurred_at) FROM courses_learnerevent ev
         WHERE ev.learner_id = e.learner_id AND ev.course_id = e.course_id),
       (SELECT ar.score_percent FROM courses_activityresult ar WHERE ar.enrollment_id = e.id LIMIT 1),
       (SELECT c.code FROM certificates_certificate c
         WHERE c.enrollment_id = e.id AND c.status <> 'superseded' LIMIT 1),
       (SELECT MIN(cc.due_on) FROM courses_cohortcourse cc
         JOIN courses_cohortmembership m2 ON m2.cohort_id = cc.cohort_id
         WHERE m2.learner_id = e.learner_id AND cc.course_id = e.course_id)
FROM courses_enrollment e
JOIN accounts_user u ON u.id = e.learner_id
JOIN wagtailcore_page p ON p.id = e.course_id
WHERE e.status <> 'withdrawn'
  AND e.learner_id IN (SELECT learner_id FROM courses_cohortmembership WHERE cohort_id = %s)
ORDER BY u.email, p.title, e.id
"""


def build_data() -> dict:
    from wagtail.models import Page, Site

    from bench.pages import build_course
    from content.models import HomePage
    from courses.models import (
        Cohort,
        CohortCourse,
        CohortMembership,
        CourseIndexPage,
        Enrollment,
        LessonPage,
        LessonProgress,
    )
    from training_site.accounts.models import User

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Home", slug="bench-exports-home"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"root_page": home, "hostname": "localhost", "port": 80}
    )
    index = home.add_child(instance=CourseIndexPage(title="Courses", slug="courses"))
    courses = [
        build_course(index, title=f"Course {n}", modules=2, lessons_per_module=3) for n in range(COURSES)
    ]
    first_lessons = {
        c.pk: LessonPage.objects.live().descendant_of(c).order_by("path").first() for c in courses
    }
    cohorts = {}
    for name, size in (("large", LARGE), ("small", SMALL)):
        cohort = Cohort.objects.create(name=name)
        CohortCourse.objects.create(cohort=cohort, course=courses[0], due_on=datetime.date(2030, 1, 1))
        users = User.objects.bulk_create(
            [User(email=f"{name}-{n:05d}@example.org", display_name=f"Learner {n}") for n in range(size)],
            batch_size=2000,
        )
        CohortMembership.objects.bulk_create([CohortMembership(cohort=cohort, learner=u) for u in users])
        enrollments = Enrollment.objects.bulk_create(
            [Enrollment(learner=u, course=c) for u in users for c in courses], batch_size=5000
        )
        LessonProgress.objects.bulk_create(
            [LessonProgress(enrollment=e, lesson=first_lessons[e.course_id]) for e in enrollments[::3]],
            batch_size=5000,
        )
        cohorts[name] = cohort
    return cohorts


def run() -> list[dict]:
    from django.core.management import call_command
    from django.db import connection

    from content.exports import report_export_build
    from content.jobs import ReportExport
    from tests.factories import make_coordinator

    call_command("migrate", interactive=False, verbosity=0)
    cohorts = build_data()
    coordinators = {name: make_coordinator(cohorts=[cohort]) for name, cohort in cohorts.items()}

    def task(name: str):
        def build():
            job = ReportExport.objects.create(
                requested_by=coordinators[name],
                report="progress_matrix",
                file_format="csv",
                filters={"cohort": [str(cohorts[name].pk)]},
            )
            assert report_export_build(export_id=job.pk) == "done"
            job.refresh_from_db()
            assert job.total == (LARGE if name == "large" else SMALL) * COURSES, job.total
            job.file.storage.delete(job.file.name)

        return build

    def raw(name: str):
        def build():
            output = io.StringIO()
            writer = csv.writer(output)
            writer.writerow(["Learner", "Email", "Course", "Status", "Done", "Last", "Grade", "Cert", "Due"])
            with connection.cursor() as cursor:
                cursor.execute(RAW_SQL, [cohorts[name].pk])
                for values in cursor.fetchall():
                    writer.writerow(values)
            output.getvalue().encode()

        return build

    medians = interleaved_medians(
        {"task_large": task("large"), "raw_large": raw("large"), "task_small": task("small")},
        rounds=ROUNDS,
        warmup=1,
        calls=1,
    )
    detail = ", ".join(f"{name} {value:.0f} ms" for name, value in medians.items())
    return [
        row(
            id="E1",
            subject=f"progress-matrix export task, {LARGE:,} learners × {COURSES} courses",
            baseline="raw SQL + csv.writer, same rows",
            ratio=medians["task_large"] / medians["raw_large"],
            goal=GOAL_RAW,
            detail=detail,
        ),
        row(
            id="E2",
            subject=f"export task, {LARGE:,} vs {SMALL:,} learners",
            baseline=f"the same task at {SMALL:,} learners",
            ratio=medians["task_large"] / medians["task_small"],
            goal=GOAL_SCALE,
            detail=detail,
        ),
    ]
