from .pages import CourseIndexPage, CoursePage, CourseTag, LessonPage, LessonTag, ModulePage
from .records import Enrollment, LessonProgress, ReflectionNote

__all__ = [
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
