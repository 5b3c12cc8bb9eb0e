from .pages import (
    CourseActivity,
    CourseIndexPage,
    CoursePage,
    CourseTag,
    LessonPage,
    LessonTag,
    ModulePage,
    course_activity_models,
)
from .records import ActivityResult, Enrollment, LessonProgress, ReflectionNote

__all__ = [
    "ActivityResult",
    "CourseActivity",
    "course_activity_models",
    "CourseIndexPage",
    "CoursePage",
    "CourseTag",
    "Enrollment",
    "LessonPage",
    "LessonProgress",
    "LessonTag",
    "ModulePage",
    "ReflectionNote",
]
