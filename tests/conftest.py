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


@pytest.fixture(autouse=True)
def fresh_pages_generation():
    """Each test starts with nothing cached from pages or sites: the generations in the cache
    (training_site/page_cache.py, routing.py) outlive a test's rolled-back pages, whose ids
    SQLite reuses."""
    from django.core.cache import cache

    from training_site.page_cache import GENERATION_KEY
    from training_site.routing import SITES_GENERATION_KEY

    cache.delete_many([GENERATION_KEY, SITES_GENERATION_KEY])
