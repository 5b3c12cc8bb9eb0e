"""Who may see a certificate in full: certificate_visible_to, used by downloads and the admin."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from certificates.selectors import certificate_visible_to
from courses.models import Cohort
from courses.services import cohort_member_add
from tests.certificates.factories import complete_course
from tests.factories import UserFactory, build_course, make_coordinator

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_certificate(index):
    other = UserFactory()
    complete_course(other, build_course(index, title="Other course"))
    return other.certificates.get()


def test_learner_sees_only_their_own(learner, certificate, other_certificate):
    assert list(certificate_visible_to(user=learner)) == [certificate]


def test_coordinator_sees_every_certificate(coordinator, certificate, other_certificate):
    assert set(certificate_visible_to(user=coordinator)) == {certificate, other_certificate}


def test_a_coordinator_sees_their_cohorts_below_and_their_own_certificate_only(index):
    """Cohort scope: a school's coordinator sees the certificates of learners in the school
    and the class below it, and their own; not those of a learner in the school beside."""
    district = Cohort.objects.create(name="District")
    school = Cohort.objects.create(name="School", parent=district)
    beside = Cohort.objects.create(name="Beside", parent=district)
    below = Cohort.objects.create(name="Class", parent=school)
    certificates = {}
    for cohort in (school, beside, below):
        member = UserFactory()
        cohort_member_add(cohort=cohort, learner=member)
        complete_course(member, build_course(index, title=f"Course for {cohort.name}"))
        certificates[cohort.name] = member.certificates.get()
    coordinator = make_coordinator(cohorts=[school])
    complete_course(coordinator, build_course(index, title="The coordinator's own course"))
    own = coordinator.certificates.get()
    assert set(certificate_visible_to(user=coordinator)) == {
        certificates["School"],
        certificates["Class"],
        own,
    }


def test_visitor_sees_none(certificate):
    assert not certificate_visible_to(user=AnonymousUser()).exists()


def test_admin_screens_use_the_selector(client, coordinator, certificate, learner):
    """The admin inspect and revoke screens answer 404 for a certificate outside the
    coordinator's reach (here: a coordinator who lost the role), never the record."""
    client.force_login(coordinator)
    inspect = reverse("certificate_admin:inspect", args=[certificate.pk])
    assert client.get(inspect).status_code == 200
    coordinator.groups.clear()
    coordinator.user_permissions.add(*_admin_and_certificate_permissions())
    assert client.get(inspect).status_code == 404
    listing = client.get(reverse("certificate_admin:index"))
    assert certificate.code not in listing.content.decode()


def _admin_and_certificate_permissions():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(
        codename__in=["access_admin", "view_certificate", "change_certificate", "add_certificate"]
    )


def test_download_lookup_brings_the_replacement_along(
    learner, certificate, other_certificate, django_assert_max_num_queries
):
    """The certificate for download is the user's, found by public id, with its replacement
    (linked from a superseded certificate's page) read in the same query: the role check
    and the look-up, nothing more."""
    from certificates.models import Certificate
    from certificates.selectors import certificate_for_download

    Certificate.objects.filter(pk=certificate.pk).update(superseded_by=other_certificate)
    with django_assert_max_num_queries(2):
        found = certificate_for_download(public_id=certificate.public_id, user=learner)
        assert found == certificate
        assert found.superseded_by == other_certificate
    assert certificate_for_download(public_id=other_certificate.public_id, user=learner) is None
