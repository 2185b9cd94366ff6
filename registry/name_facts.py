"""The facts a PEP 541 name request turns on, read in a fixed number of queries.

`name_facts(project, now=...)` gathers, for one project (live or removed), what a person asking
for its name and the admin deciding need to see: its status, releases and files (none? only
version 0?), when it last had a release, each owner's and maintainer's last sign-in and last
upload, downloads, the projects that depend on it and the reservation on its name. It reads them
in at most ten queries, whatever the number of owners, releases or files.

`NameFacts.as_dict()` is what a request stores as "the facts when filed" (JSON), and
`NameFacts.from_dict()` reads it back; `NameFacts.rows()` says the facts in plain words for pages.
The rules that decide on them are pure and live with the queue (`moderation.pep541`).
"""

from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery, Sum

from .facts import RELEASE_ORDER, dependents_of, release_counts, week_start
from .models import DownloadCount, File, NameReservation, Release, Role, RoleName
from .policy.wording import _listing
from .words import counted

LATEST = 5  # How many of the newest versions, and of the dependents, the facts name.


@dataclass(frozen=True)
class OwnerFacts:
    """One person who holds an active role on the project, and their last activity."""

    user_id: int
    username: str
    role: str  # "owner" or "maintainer"
    last_login: datetime | None  # None: never signed in
    last_upload_at: datetime | None  # Their newest file on this project (removed ones count).

    @property
    def is_owner(self) -> bool:
        return self.role == RoleName.OWNER


@dataclass(frozen=True)
class ReservationFacts:
    """The NameReservation in force on the name."""

    reason: str  # a ReservationReason value
    reason_label: str
    until: datetime | None  # None: for ever
    allowed_usernames: tuple[str, ...] = ()  # who may still register the name
    allowed_user_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class NameFacts:
    """Everything a name request on a project turns on, as it stood at `read_at`."""

    read_at: datetime
    project_id: int
    name: str
    normalized_name: str
    status: str  # a ProjectStatus value
    status_display: str
    status_reason: str
    created_at: datetime
    removed_at: datetime | None
    pending_removal: bool
    deletion_locked: bool
    releases_live: int
    releases_total: int  # removed ones included
    files_live: int  # live files of live releases
    latest_versions: tuple[str, ...]  # the newest live versions, newest first
    latest_version_at: datetime | None  # when the newest live release was created
    only_version_zero: bool  # every release it ever had is version 0, or it never had one
    # Live releases that are not version 0 and have live files: the project does something.
    nonzero_releases_with_files: int
    nonzero_versions_with_files: tuple[str, ...]  # the newest of them, newest first
    last_release_at: datetime | None  # newest live release or live file; None if none
    owners: tuple[OwnerFacts, ...]  # owners first, then maintainers, by username
    downloads_last_7_days: int
    downloads_last_30_days: int
    dependents: int  # live projects whose latest live release requires it
    dependent_names: tuple[str, ...]  # the first LATEST of them, by name
    reservation: ReservationFacts | None = None

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    @property
    def owner_ids(self) -> frozenset:
        """The ids of the users who hold an active owner role (maintainers not included)."""
        return frozenset(owner.user_id for owner in self.owners if owner.is_owner)

    def as_dict(self) -> dict:
        """Return the facts as JSON-serialisable values (datetimes as ISO 8601 strings)."""
        return {
            **{f.name: _plain(getattr(self, f.name)) for f in fields(self)},
            "is_removed": self.is_removed,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "NameFacts":
        """Read back what `as_dict` returned (keys it does not know are ignored)."""
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        for name in DATETIME_FIELDS:
            values[name] = _datetime(values.get(name))
        for name in TUPLE_FIELDS:
            values[name] = tuple(values.get(name) or ())
        values["owners"] = tuple(
            OwnerFacts(
                **{
                    **owner,
                    "last_login": _datetime(owner.get("last_login")),
                    "last_upload_at": _datetime(owner.get("last_upload_at")),
                }
            )
            for owner in data.get("owners") or ()
        )
        reservation = data.get("reservation")
        if reservation is not None:
            reservation = ReservationFacts(
                reason=reservation["reason"],
                reason_label=reservation["reason_label"],
                until=_datetime(reservation.get("until")),
                allowed_usernames=tuple(reservation.get("allowed_usernames") or ()),
                allowed_user_ids=tuple(reservation.get("allowed_user_ids") or ()),
            )
        values["reservation"] = reservation
        return cls(**values)

    def rows(self) -> list[tuple[str, str]]:
        """Say the facts in plain words: (label, text) rows for the request form and the admin."""
        rows = [
            ("Project", f"{self.name}, registered {self._when(self.created_at)}"),
            ("Status", self._status_text()),
            ("Releases", self._releases_text()),
            (
                "Last release",
                self._when(self.last_release_at) if self.last_release_at else "never",
            ),
        ]
        if not self.owners:
            rows.append(("Owners", "none"))
        for owner in self.owners:
            signed_in = (
                f"last signed in {_day(owner.last_login)}"
                if owner.last_login
                else "never signed in"
            )
            uploaded = (
                f"last upload {_day(owner.last_upload_at)}"
                if owner.last_upload_at
                else "never uploaded to it"
            )
            rows.append((f"{owner.username} ({owner.role})", f"{signed_in}; {uploaded}"))
        rows.append(
            (
                "Downloads",
                f"{self.downloads_last_7_days:,} in the last 7 days, "
                f"{self.downloads_last_30_days:,} in the last 30",
            )
        )
        depend = "none"
        if self.dependents:
            depend = f"{self.dependents:,}: " + _listing(
                list(self.dependent_names), limit=LATEST, total=self.dependents
            )
        rows.append(("Projects that depend on it", depend))
        rows.append(("Name reservation", self._reservation_text()))
        return rows

    def _when(self, moment: datetime) -> str:
        return f"{_day(moment)}, {ago(moment, self.read_at)}"

    def _status_text(self) -> str:
        if self.is_removed:
            text = f"removed on {_day(self.removed_at)}"
        else:
            text = self.status_display
            if self.status_reason:
                text += f": {self.status_reason}"
        if self.pending_removal:
            text += "; pending removal (its owners scheduled its removal)"
        if self.deletion_locked:
            text += "; deletions locked"
        return text

    def _releases_text(self) -> str:
        if not self.releases_total:
            return "none ever"
        text = (
            f"{self.releases_live:,} live ({self.releases_total:,} ever), "
            f"{counted(self.files_live, 'file')}"
        )
        if self.latest_versions:
            text += f"; latest {self.latest_versions[0]} on {_day(self.latest_version_at)}"
        if self.only_version_zero:
            text += "; every release it ever had is version 0"
        elif self.files_live and not self.nonzero_releases_with_files:
            text += "; its live files are all in version 0"
        return text

    def _reservation_text(self) -> str:
        reservation = self.reservation
        if reservation is None:
            return "none"
        until = f"until {_day(reservation.until)}" if reservation.until else "for ever"
        text = f"{reservation.reason_label}, {until}"
        if reservation.allowed_usernames:
            text += f"; may still register it: {', '.join(reservation.allowed_usernames)}"
        return text


DATETIME_FIELDS = (
    "read_at",
    "created_at",
    "removed_at",
    "latest_version_at",
    "last_release_at",
)
TUPLE_FIELDS = ("latest_versions", "nonzero_versions_with_files", "dependent_names")


def _plain(value):
    """Turn a fact into JSON values: datetimes as ISO strings, dataclasses as dicts."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, OwnerFacts | ReservationFacts):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def _datetime(value):
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _day(moment: datetime) -> str:
    """The day of `moment` in UTC, as 2024-01-03."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d}"


def ago(then: datetime, now: datetime) -> str:
    """Say how long before `now` `then` was, in calendar years and months ("2 years 10 months
    ago"), or in days when it is less than a month ("5 days ago", "today")."""
    if then > now:
        return "in the future"
    if then.tzinfo is not None and now.tzinfo is not None:
        then, now = then.astimezone(UTC), now.astimezone(UTC)
    months = (now.year - then.year) * 12 + now.month - then.month
    if (now.day, now.time()) < (then.day, then.time()):
        months -= 1  # the last month is not complete yet
    if months <= 0:
        days = (now - then) // timedelta(days=1)
        return "today" if days == 0 else f"{counted(days, 'day')} ago"
    years, months = divmod(months, 12)
    parts = [counted(years, "year")] if years else []
    if months:
        parts.append(counted(months, "month"))
    return " ".join(parts) + " ago"


def name_facts(project, *, now) -> NameFacts:
    """Return the NameFacts of `project` (live or removed) at `now`, in at most ten queries."""
    counts = release_counts(project)
    latest = list(
        Release.objects.live()
        .filter(project=project)
        .order_by(*RELEASE_ORDER)
        .values_list("version", "created_at")[:LATEST]
    )
    live_files = File.objects.filter(
        release__project=project, removed_at__isnull=True, release__removed_at__isnull=True
    )
    files = live_files.aggregate(
        count=Count("pk"),
        newest=Max("uploaded_at"),
        nonzero_releases=Count("release", distinct=True, filter=~Q(release__canonical_version="0")),
    )
    # canonical_version is "0" exactly when Version(v) == Version("0") (see release_counts).
    nonzero_with_files = tuple(
        Release.objects.live()
        .filter(project=project)
        .filter(Exists(File.objects.live().filter(release=OuterRef("pk"))))
        .exclude(canonical_version="0")
        .order_by(*RELEASE_ORDER)
        .values_list("version", flat=True)[:LATEST]
    )
    last_release_at = max(
        (moment for moment in (latest[0][1] if latest else None, files["newest"]) if moment),
        default=None,
    )
    downloads = DownloadCount.objects.filter(
        project=project, day__gt=(now - timedelta(days=30)).date()
    ).aggregate(month=Sum("count"), week=Sum("count", filter=Q(day__gt=week_start(now))))
    dependents = dependents_of(project)
    dependent_count = dependents.count()
    dependent_names = (
        tuple(dependents.order_by("normalized_name").values_list("name", flat=True)[:LATEST])
        if dependent_count
        else ()
    )
    return NameFacts(
        read_at=now,
        project_id=project.pk,
        name=project.name,
        normalized_name=project.normalized_name,
        status=str(project.status),
        status_display=str(project.get_status_display()),
        status_reason=project.status_reason,
        created_at=project.created_at,
        removed_at=project.removed_at,
        pending_removal=project.pending_removal_at is not None,
        deletion_locked=project.deletion_locked,
        releases_live=counts["live"],
        releases_total=counts["count"],
        files_live=files["count"],
        latest_versions=tuple(version for version, _created in latest),
        latest_version_at=latest[0][1] if latest else None,
        only_version_zero=counts["not_zero"] == 0,
        nonzero_releases_with_files=files["nonzero_releases"],
        nonzero_versions_with_files=nonzero_with_files,
        last_release_at=last_release_at,
        owners=_owners(project),
        downloads_last_7_days=downloads["week"] or 0,
        downloads_last_30_days=downloads["month"] or 0,
        dependents=dependent_count,
        dependent_names=dependent_names,
        reservation=_reservation(project.normalized_name, now=now),
    )


def _owners(project) -> tuple[OwnerFacts, ...]:
    """The active roles on `project` with each person's last sign-in and last upload to it."""
    last_upload = (
        File.objects.filter(release__project=project, uploaded_by=OuterRef("user_id"))
        .order_by()
        .values("uploaded_by")
        .annotate(newest=Max("uploaded_at"))
        .values("newest")
    )
    rows = (
        Role.objects.active()
        .filter(project=project)
        .annotate(last_upload_at=Subquery(last_upload))
        .order_by("-role", "user__username")  # "owner" > "maintainer": owners first
        .values_list("user_id", "user__username", "role", "user__last_login", "last_upload_at")
    )
    return tuple(OwnerFacts(*row) for row in rows)


def _reservation(normalized_name, *, now) -> ReservationFacts | None:
    """The reservation in force on the name at `now`, with who may still register it."""
    reservation = (
        NameReservation.objects.in_force(now).filter(normalized_name=normalized_name).first()
    )
    if reservation is None:
        return None
    allowed = list(
        get_user_model()
        .objects.filter(name_reservations=reservation)
        .order_by("username")
        .values_list("pk", "username")
    )
    return ReservationFacts(
        reason=str(reservation.reason),
        reason_label=str(reservation.get_reason_display()),
        until=reservation.until,
        allowed_usernames=tuple(username for _pk, username in allowed),
        allowed_user_ids=tuple(pk for pk, _username in allowed),
    )
