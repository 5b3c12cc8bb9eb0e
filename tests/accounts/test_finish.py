"""Finishing touches a visitor sees: one site name in the home page title, a favicon, and
time zones with the common US ones first."""

import pytest

from training_site.accounts.forms import US_TIME_ZONES, ProfileForm
from training_site.accounts.models import TIME_ZONE_CHOICES

pytestmark = pytest.mark.django_db


def test_home_page_title_names_the_site_once_and_links_a_favicon(client):
    from tests.factories import site_tree

    home, _index = site_tree()
    html = client.get(home.url).content.decode()
    title = html.split("<title>")[1].split("</title>")[0]
    assert title.count("Liaison Academy") == 1
    assert 'rel="icon"' in html and "favicon.svg" in html


def test_time_zone_choices_put_common_us_zones_first_then_all_sorted():
    choices = ProfileForm().fields["time_zone"].choices
    (common_label, common), (rest_label, rest) = choices
    assert [value for value, _ in common] == [value for value, _ in US_TIME_ZONES]
    assert common[0][0] == "America/New_York"
    values = [value for value, _ in rest]
    assert values == sorted(values) and "America/Chicago" not in values and "Europe/London" in values
    assert len(common) + len(rest) == len(TIME_ZONE_CHOICES)


def test_profile_accepts_a_common_and_a_listed_zone_and_refuses_an_unknown_one(learner):
    base = {"display_name": "Pat", "certificate_name": "", "preferred_language": "en"}
    for zone, ok in (("America/Chicago", True), ("Europe/London", True), ("Mars/Olympus", False)):
        form = ProfileForm(data={**base, "time_zone": zone}, instance=learner)
        assert form.is_valid() is ok, zone
