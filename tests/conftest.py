import pytest

from tests.factories import PASSWORD, UserFactory, build_course, site_tree


@pytest.fixture
def tree(db):
    return site_tree()


@pytest.fixture
def index(tree):
    return tree[1]


@pytest.fixture
def course(index):
    return build_course(index)


@pytest.fixture
def learner(db):
    return UserFactory()


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def password():
    return PASSWORD
