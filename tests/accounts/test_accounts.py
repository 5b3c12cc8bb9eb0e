import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse

from content.curriculum import coordinator_pages_grant
from tests.factories import PASSWORD, UserFactory
from training_site.accounts.roles import COORDINATORS_GROUP, is_coordinator

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_email_is_unique_regardless_of_case():
    """The database refuses a second account whose email differs only in case."""
    User.objects.create_user(email="Sam@Example.org", password=PASSWORD)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="sam@example.org", password=PASSWORD)


def test_signup_creates_learner_with_display_name(client):
    """Signing up through allauth stores the display name and logs the learner in."""
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new.learner@example.org",
            "display_name": "Rosa Díaz",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.learner@example.org")
    assert user.display_name == "Rosa Díaz"
    assert client.get(reverse("dashboard")).status_code == 200


def test_signup_with_mismatched_passwords_changes_nothing(client):
    """A bad sign-up form re-renders with a message and creates no account."""
    response = client.post(
        reverse("account_signup"),
        {"email": "x@example.org", "display_name": "X", "password1": "a-long-pass-1", "password2": "other"},
    )
    assert response.status_code == 200
    assert "same password" in response.content.decode()
    assert not User.objects.filter(email="x@example.org").exists()


def test_login_with_email(client):
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_profile_edit_saves_fields(client):
    """A learner edits the name on certificates, time zone and language."""
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {
            "display_name": "Ana",
            "certificate_name": "Ana María López",
            "time_zone": "America/Chicago",
            "preferred_language": "es",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.certificate_name == "Ana María López"
    assert user.name_for_certificate == "Ana María López"
    assert user.time_zone == "America/Chicago"


def test_profile_with_bad_time_zone_rerenders_and_changes_nothing(client):
    """An unknown time zone is reported on the form and nothing is saved."""
    user = UserFactory(display_name="Before")
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {
            "display_name": "After",
            "certificate_name": "",
            "time_zone": "Mars/Olympus",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    user.refresh_from_db()
    assert user.display_name == "Before"


def test_certificate_name_falls_back_to_display_name():
    assert UserFactory(display_name="Kim Lee", certificate_name="").name_for_certificate == "Kim Lee"


def test_post_to_wagtail_admin_login_logs_nobody_in(client):
    """Wagtail's own login URL redirects to allauth; a POST there logs nobody in."""
    user = UserFactory(is_superuser=True, is_staff=True)
    response = client.post("/admin/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code in (301, 302)
    assert response.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_admin_requires_login_through_allauth(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert reverse("account_login") in response.url or "/admin/login/" in response.url


@pytest.fixture
def coordinator(db):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    return user


def test_coordinator_group_exists_with_admin_access(coordinator):
    """The data migration creates the group; members may use the Wagtail admin."""
    assert is_coordinator(coordinator)
    assert coordinator.has_perm("wagtailadmin.access_admin")
    assert not is_coordinator(UserFactory())


def test_coordinator_can_author_courses_but_not_other_pages(coordinator, tree):
    """Coordinators add, edit and publish under the catalogue; the home page is not theirs."""
    home, index = tree
    coordinator_pages_grant(index)
    index_perms = index.permissions_for_user(coordinator)
    assert index_perms.can_add_subpage()
    assert index_perms.can_edit()
    assert index_perms.can_publish()
    home_perms = home.permissions_for_user(coordinator)
    assert not home_perms.can_edit()
    assert not home_perms.can_add_subpage()


def test_coordinator_can_reach_admin_images_but_not_users_or_django_admin(client, coordinator):
    """Images yes; user management, groups, site settings and Django admin no."""
    client.force_login(coordinator)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/images/").status_code == 200
    assert client.get("/admin/documents/").status_code == 200
    assert client.get("/admin/users/").status_code == 302
    assert client.get("/admin/groups/").status_code == 302
    assert client.get("/admin/sites/").status_code == 302
    response = client.get("/django-admin/")
    assert response.status_code == 302
    assert "/django-admin/login/" in response.url
