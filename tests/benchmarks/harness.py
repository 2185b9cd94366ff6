"""What every benchmark script shares: Django set up, run in a throwaway test database."""

import os


def in_throwaway_database(run, args):
    """Set Django up and call `run(args)` in a fresh test database, dropped afterwards.

    The database is `test_<name>` of DATABASE_URL (PostgreSQL for figures that mean anything),
    so a benchmark never touches the data of the database it is pointed at.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.test.utils import (
        setup_databases,
        setup_test_environment,
        teardown_databases,
        teardown_test_environment,
    )

    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        run(args)
    finally:
        teardown_databases(old_config, verbosity=0)
        teardown_test_environment()
