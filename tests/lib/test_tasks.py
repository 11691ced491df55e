"""A booking's mail is queued by one prepared INSERT (lib.tasks.enqueue_row): the same row as
django-tasks-db's own enqueue writes through the ORM, the same signal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django_tasks.signals import task_enqueued
from django_tasks_db.models import DBTaskResult
from django_tasks_db.signal_handlers import set_run_after

from vicinato.booking.notifications import send_reservation_mail
from vicinato.lib.tasks import enqueue_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def row(pk) -> dict:
    return DBTaskResult.objects.filter(pk=pk).values().get()


@pytest.mark.parametrize("later", [None, timedelta(hours=3)])
def test_the_row_is_the_one_django_tasks_db_writes(later):
    task = send_reservation_mail
    if later is not None:
        task = task.using(run_after=timezone.now() + later)
    sent = []

    def receive(sender, task_result, **kwargs):
        sent.append((sender, task_result))

    task_enqueued.connect(receive)
    try:
        before = timezone.now()
        with transaction.atomic():
            enqueue_row(task, (7, "confirmed", ""))
        after = timezone.now()
        ours = sent.pop()
        theirs = task.enqueue(7, "confirmed", "")
        assert sent.pop()[1].id == theirs.id
    finally:
        task_enqueued.disconnect(receive)
    mine, reference = row(ours[1].id), row(theirs.id)
    assert before <= mine.pop("enqueued_at") <= after
    reference.pop("enqueued_at")
    assert mine.pop("id") != reference.pop("id")
    assert mine == reference
    assert mine["args_kwargs"] == {"args": [7, "confirmed", ""], "kwargs": {}}
    # The signal carries the task's result as the library's does.
    assert ours[0] is type(theirs.task.get_backend())
    assert (ours[1].task, ours[1].args, ours[1].status) == (theirs.task, theirs.args, theirs.status)


def test_the_orm_save_does_nothing_more():
    """The prepared INSERT skips the ORM's save signals: only django-tasks-db's run_after default listens."""
    assert pre_save._live_receivers(DBTaskResult)[0] == [set_run_after]
    assert not post_save.has_listeners(DBTaskResult)
