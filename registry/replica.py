"""The optional read replica: which database a reader that tolerates a little lag reads from.

With `DATABASE_REPLICA_URL` set, the settings add a second alias, `replica` (a streaming replica
of the primary). Nothing reads from it unless it asks: the simple pages, the root index and the
change feed call `reader()` and pass its alias to `.using()`. Everything else (the admin,
maintainers' pages, every service and every write) stays on the primary through `PrimaryRouter`,
so no one who acts on the data ever reads a stale copy of it.
"""

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"


def reader():
    """Return the alias to read published data from: the replica when one is configured.

    Inside a transaction on the primary the answer is the primary: what that transaction wrote
    (or locked) is not on the replica, and a reader there would contradict it.
    """
    if REPLICA not in connections.settings:
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA


class PrimaryRouter:
    """Send every read and write to the primary; only an explicit `.using(reader())` reads the
    replica. Objects from either alias may be related (they are the same rows), and migrations
    run on the primary only (the replica copies them)."""

    def db_for_read(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
