"""A coordinator makes a cohort, bulk-enrolls three people from a CSV after the dry run,
assigns a course with a due date and opens the progress matrix; an invited person accepts
the emailed invitation and shows as joined. In Chromium."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from courses.models import Cohort, Invitation
from tests.e2e.test_learner_journey import assert_accessible_basics
from tests.factories import PASSWORD, UserFactory, build_course, make_coordinator, site_tree

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CSV = (
    "email,first name,last name,name on certificate,cohort\n"
    "ana.diaz@example.org,Ana,Diaz,Ana M. Diaz,\n"
    "ben.okafor@example.org,Ben,Okafor,,\n"
    "existing.learner@example.org,,,,\n"
)


def _matrix_row(page, email: str):
    return page.locator("table tbody tr", has_text=email)


def test_bulk_enroll_assign_and_an_invited_person_joins(browser, page, live_server, screenshot, tmp_path):
    _home, index = site_tree()
    build_course(index, title="Community Engagement", modules=1, lessons_per_module=1)
    coordinator = make_coordinator(cohorts=[], email="coordinator@example.org")
    UserFactory(email="existing.learner@example.org", display_name="Existing Learner")

    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill(coordinator.email)
    page.locator("#id_password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/learning/$"))

    # A cohort of their own.
    page.goto(f"{live_server.url}/admin/cohorts/add/")
    page.locator("#id_name").fill("Spring new hires")
    page.get_by_role("button", name="Create").first.click()
    expect(page.get_by_text("Spring new hires").first).to_be_visible()
    cohort = Cohort.objects.get(name="Spring new hires")

    # Dry run: three outcomes, nothing written yet.
    csv_file = tmp_path / "new-hires.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    page.goto(f"{live_server.url}/admin/bulk-enrollment/")
    page.locator("#id_file").set_input_files(str(csv_file))
    page.locator("#id_cohort").select_option(label="Spring new hires")
    page.get_by_role("button", name="Dry run").click()
    expect(page.get_by_text("Dry run: nothing has been changed yet")).to_be_visible()
    plan = page.locator("#bulk-plan")
    expect(plan.get_by_text("New account invited")).to_have_count(2)
    expect(plan.get_by_text("Existing account added")).to_have_count(1)
    assert cohort.memberships.count() == 0
    assert mail.outbox == []
    screenshot("bulk-enrollment-dry-run")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Applied: 2 invited, 1 added, 0 already members.")).to_be_visible()
    assert cohort.memberships.count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == ["ana.diaz@example.org", "ben.okafor@example.org"]

    # A course with a due date for the cohort.
    page.goto(f"{live_server.url}/admin/cohort-courses/add/")
    page.locator("#id_cohort").select_option(label="Spring new hires")
    page.locator("#id_course").select_option(label="Community Engagement")
    page.locator("#id_due_on").fill("2030-06-30")
    page.get_by_role("button", name="Create").first.click()
    expect(page.get_by_text("Community Engagement").first).to_be_visible()

    page.goto(f"{live_server.url}/admin/reports/progress-matrix/?cohort={cohort.pk}")
    expect(_matrix_row(page, "ana.diaz@example.org")).to_contain_text("Invited")
    expect(_matrix_row(page, "existing.learner@example.org")).to_contain_text("Joined")
    expect(_matrix_row(page, "ana.diaz@example.org")).to_contain_text("Community Engagement")
    screenshot("bulk-enrollment-matrix-invited")

    # Ana opens the link from her email, chooses a password and is signed in.
    [email] = [m for m in mail.outbox if m.to == ["ana.diaz@example.org"]]
    link = re.search(r"https?://\S+/learning/invitations/\S+/", email.body).group(0)
    path = link.split("/learning/", 1)[1]
    invitee = browser.new_context(viewport={"width": 1280, "height": 900})
    ana = invitee.new_page()
    ana.goto(f"{live_server.url}/learning/{path}")
    expect(ana.get_by_text("You are invited to join")).to_be_visible()
    assert_accessible_basics(ana)
    ana.get_by_label("New password", exact=True).fill("Spring-Hire-2027!")
    ana.get_by_label("New password confirmation").fill("Spring-Hire-2027!")
    ana.get_by_role("button", name="Set password and join").click()
    ana.wait_for_url(re.compile(r".*/learning/$"))
    expect(ana.get_by_text("Community Engagement").first).to_be_visible()
    assert Invitation.objects.get(email="ana.diaz@example.org").accepted_at is not None
    # The link works once.
    ana.goto(f"{live_server.url}/learning/{path}")
    expect(ana.get_by_text("already been used")).to_be_visible()
    invitee.close()

    page.goto(f"{live_server.url}/admin/reports/progress-matrix/?cohort={cohort.pk}")
    expect(_matrix_row(page, "ana.diaz@example.org")).to_contain_text("Joined")
    expect(_matrix_row(page, "ben.okafor@example.org")).to_contain_text("Invited")
    screenshot("bulk-enrollment-matrix-joined")
