from .cohorts import Cohort, CohortCoordinator, CohortCourse, CohortMembership
from .events import DeliveryState, LearnerEvent, LearnerEventDelivery, LearnerEventKind
from .invitations import BulkEnrollmentJob, BulkEnrollmentStatus, Invitation, InvitationStatus
from .pages import (
    CourseActivity,
    CourseIndexPage,
    CoursePage,
    CourseTag,
    EnrollmentGateMixin,
    LessonPage,
    LessonTag,
    ModulePage,
    course_activity_models,
)
from .records import ActivityResult, Enrollment, LessonProgress, ReflectionNote

__all__ = [
    "BulkEnrollmentJob",
    "BulkEnrollmentStatus",
    "Invitation",
    "InvitationStatus",
    "ActivityResult",
    "Cohort",
    "CohortCoordinator",
    "CohortCourse",
    "CohortMembership",
    "CourseActivity",
    "course_activity_models",
    "CourseIndexPage",
    "CoursePage",
    "CourseTag",
    "DeliveryState",
    "EnrollmentGateMixin",
    "Enrollment",
    "LearnerEvent",
    "LearnerEventDelivery",
    "LearnerEventKind",
    "LessonPage",
    "LessonProgress",
    "LessonTag",
    "ModulePage",
    "ReflectionNote",
]
