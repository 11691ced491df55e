"""Background tasks (django-tasks) that only the commit of the change they belong to releases.

A task enqueued during a change (a booking, a registration) must run only if the change commits: the database
queue stores it as a row of the change's own transaction (one commit for both; a rollback removes it), any
other backend gets it when the transaction commits.
"""

from __future__ import annotations

from functools import partial

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.utils import timezone
from django_tasks.signals import task_enqueued
from django_tasks.utils import normalize_json
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from .prepared import PreparedInsert


def enqueue_with_the_change(task, *args) -> None:
    """Enqueue `task` so that only the commit of the current change releases it."""
    if connections[DEFAULT_DB_ALIAS].in_atomic_block and _queued_with_the_change(task):
        # A row of the change's transaction: the worker sees it once committed, a rollback removes it, and
        # the change and its mail cost one commit instead of two.
        enqueue_row(task, args)
    else:
        # robust: a queue that refuses the task must not turn a committed change into an error page.
        transaction.on_commit(partial(task.enqueue, *args), robust=True)


def _queued_with_the_change(task) -> bool:
    return (
        isinstance(task.get_backend(), DatabaseBackend)
        and router.db_for_write(DBTaskResult) == DEFAULT_DB_ALIAS
    )


# Every column of the queue's row, so that the row is the one the ORM's save would write.
_INSERT_TASK = PreparedInsert(DBTaskResult, [f.name for f in DBTaskResult._meta.concrete_fields])


def enqueue_row(task, args: tuple) -> None:
    """What `task.enqueue(*args)` does on the database queue (DatabaseBackend.enqueue), with the row inserted by
    one prepared statement instead of the ORM's save, which cost a booking a fifth of its time in Python.

    The same row: the model's defaults, `enqueued_at` (auto_now_add) and `run_after` (django-tasks-db sets it
    in a pre_save receiver, its only one: tests/lib/test_tasks.py checks) as a save sets them; the same
    validation of the task and the same `task_enqueued` signal."""
    backend = task.get_backend()
    backend.validate_task(task)
    row = DBTaskResult(
        id=backend._get_id(),
        args_kwargs=normalize_json({"args": args, "kwargs": {}}),
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=task.run_after if task.run_after is not None else get_date_max(),
        backend_name=backend.alias,
        enqueued_at=timezone.now(),
    )
    _INSERT_TASK.run(**{f.name: getattr(row, f.attname) for f in DBTaskResult._meta.concrete_fields})
    row._state.adding, row._state.db = False, DEFAULT_DB_ALIAS
    task_enqueued.send(type(backend), task_result=row.task_result)
