import pytest

from courses.services import enrollment_create
from tests.factories import build_course, build_quiz, make_questions


@pytest.fixture
def module(course):
    from courses.models import ModulePage

    return ModulePage.objects.child_of(course).first()


@pytest.fixture
def enrolled(learner, course):
    return enrollment_create(learner=learner, course=course)


@pytest.fixture
def questions(db):
    return make_questions(6, marker="SECRETMARK")


@pytest.fixture
def quiz(module, questions):
    return build_quiz(module, questions=questions, shuffle_options=True)


@pytest.fixture
def other_course(index):
    return build_course(index, title="Other")
