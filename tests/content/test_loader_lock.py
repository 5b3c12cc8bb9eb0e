"""Two curriculum loads at once (S13): the second waits or exits with a clear message."""

import contextlib
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from content.models import CurriculumEntry
from tests.content.test_loader import mini_curriculum  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def hold_loader_lock(stack: contextlib.ExitStack) -> None:
    """Take the loader lock as another load_curriculum would (a second lock holder)."""
    from content.management.commands.load_curriculum import curriculum_lock

    assert stack.enter_context(curriculum_lock()) is True


def test_a_second_load_exits_with_a_clear_message_and_changes_nothing(mini_curriculum):  # noqa: F811
    """While another load holds the lock, load_curriculum stops with 'another
    load_curriculum is running' (a CommandError: no traceback) and builds nothing."""
    with contextlib.ExitStack() as other_load:
        hold_loader_lock(other_load)
        with pytest.raises(CommandError, match="Another load_curriculum is running"):
            call_command("load_curriculum", root=str(mini_curriculum))
    assert not CurriculumEntry.objects.exists()


def test_a_second_load_with_wait_runs_once_the_first_has_finished(mini_curriculum, capsys):  # noqa: F811
    """With --wait, the second load waits for the lock and then loads."""
    other_load = contextlib.ExitStack()
    hold_loader_lock(other_load)
    release = threading.Timer(1.0, other_load.close)
    release.start()
    try:
        call_command("load_curriculum", root=str(mini_curriculum), wait=30)
    finally:
        release.cancel()
        other_load.close()
    assert CurriculumEntry.objects.filter(key="t-m1-l1").exists()


def test_the_lock_is_free_again_after_a_load(mini_curriculum):  # noqa: F811
    """A finished load releases the lock: the next one runs."""
    call_command("load_curriculum", root=str(mini_curriculum))
    call_command("load_curriculum", root=str(mini_curriculum))
    assert CurriculumEntry.objects.filter(key="t-m1-l1").count() == 1
