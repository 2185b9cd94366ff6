"""Two people acting at once: real threads, each with its own connection, released on a row lock.

Such tests commit for real (`@pytest.mark.django_db(transaction=True, serialized_rollback=True)`:
`serialized_rollback` gets the staff groups of the data migration back after another
transactional test has flushed the database), and they run only on PostgreSQL.
"""

import threading
import time

import pytest
from django.db import connection, transaction

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Row locks are tested on PostgreSQL (set DATABASE_URL=postgres://...); SQLite "
    "serialises every writer, so there is no race to show.",
)

WAIT_SECONDS = 10


def race(model, pk, work, *, workers=2, in_order=False):
    """Run `work(n)` in `workers` threads that all wait on a lock of the `model` row `pk`.

    The test holds the row lock until every worker is blocked on it, then lets them go at once,
    as people clicking in several web processes would. With `in_order`, worker n starts only
    once worker n - 1 waits for the lock; PostgreSQL then grants the lock in that order, so a
    test can name who acts first. Return what each `work(n)` returned or raised.
    """
    results = [None] * workers

    def run(n):
        try:
            results[n] = work(n)
        except Exception as error:  # reported by the test's assertions
            results[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    with transaction.atomic():
        model.objects.select_for_update().get(pk=pk)
        for n, thread in enumerate(threads):
            thread.start()
            if in_order or n == workers - 1:
                wait_for_waiters(n + 1, results)
    for thread in threads:
        thread.join(timeout=WAIT_SECONDS)
    return results


def wait_for_waiters(count, results):
    deadline = time.monotonic() + WAIT_SECONDS
    while waiting_on_locks() < count:
        assert time.monotonic() < deadline, f"the workers never reached the lock: {results}"
        time.sleep(0.01)


def waiting_on_locks():
    """Count the backends of this database that wait for a lock."""
    with connection.cursor() as cursor:
        # Statistics are a snapshot per transaction; take a fresh one on every call.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]
