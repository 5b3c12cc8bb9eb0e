import pytest
from django.core.cache import cache

from certificates import rendering, services
from certificates.models import Certificate
from tests.certificates.factories import complete_course
from tests.factories import make_coordinator


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test writes its PDFs and images to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _empty_caches():
    # The verification rate limit counts in the cache; prepared images are kept per process.
    cache.clear()
    rendering._print_image_data_uri.cache_clear()
    yield
    cache.clear()


@pytest.fixture
def coordinator(db):
    # Coordinates Open enrollment, where the learners these tests enroll land.
    return make_coordinator(display_name="Chris Coordinator")


@pytest.fixture
def completed(learner, course):
    """The learner's completed enrollment (the default handler issued its certificate)."""
    return complete_course(learner, course)


@pytest.fixture
def certificate(completed) -> Certificate:
    return Certificate.objects.get(enrollment=completed)


@pytest.fixture
def issued(certificate) -> Certificate:
    assert services.certificate_render(certificate_id=certificate.pk) == services.RenderOutcome.RENDERED
    certificate.refresh_from_db()
    return certificate
