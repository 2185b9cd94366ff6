"""The registry in the Django admin.

Registry rows change only through registry services (uploads, maintainer pages, admin actions),
so these admins show and search; they never delete, and status fields are never edited by hand.
"""

from . import journal, projects, removals, reservations, transfers

__all__ = ["journal", "projects", "removals", "reservations", "transfers"]
