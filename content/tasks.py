"""Celery tasks for content: thin, keyed by primary key, safe to run twice."""

from celery import shared_task

from content import exports


@shared_task(
    name="content.tasks.report_export_build",
    acks_late=True,
    reject_on_worker_lost=True,
    # 10,000 learners × 4 courses took a few seconds on the 2-core machine (docs/performance.md).
    # The hard limit stays below REPORT_EXPORT_STALE_AFTER, so an older claim is a dead worker's.
    soft_time_limit=540,
    time_limit=600,
)
def report_export_build_task(export_id: int) -> str:
    return exports.report_export_build(export_id=export_id)


@shared_task(name="content.tasks.report_exports_delete_old")
def report_exports_delete_old_task() -> int:
    return exports.report_exports_delete_old()
