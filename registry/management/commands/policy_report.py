"""Compare the deletion-policy presets on this registry's own data.

    manage.py policy_report [--preset P ...] [--format text|csv|json] [--now ISO-8601]
                            [--progress]

For each preset: how many live projects, releases and files their owners may delete right now;
which of the 20 most downloaded (last 30 days) and the 20 most depended-on projects it would let
their owners delete; and the share of projects deletable in each popularity decile. Read-only:
it changes nothing. See `registry.reports.compare` for what is judged and how.

Each preset is judged with its default parameters, except the configured one (HOLDFAST_POLICY),
which keeps its HOLDFAST_POLICY_* overrides. The output is sorted and the same for the same data
and the same --now. A progress bar goes to standard error (never to standard output) when it is
a terminal and the report takes more than a second, or always with --progress.
"""

import time
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from registry import policy
from registry.reports import output
from registry.reports.compare import compare, configs_for, valid_presets

FORMATS = {"text": output.as_text, "csv": output.as_csv, "json": output.as_json}
BAR_WIDTH = 30
QUIET_SECONDS = 1.0


def parse_now(text):
    """Read an ISO 8601 time; one without an offset is in TIME_ZONE (UTC by default)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"--now {text!r} is not an ISO 8601 time; write it like 2026-01-15T12:00:00+00:00 "
            "(or 2026-01-15)."
        ) from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class ProgressBar:
    """A one-line bar redrawn on a stream, shown after `quiet` seconds (0: at once)."""

    def __init__(self, stream, *, quiet):
        self.stream, self.quiet = stream, quiet
        self.started = time.monotonic()
        self.drawn = False

    def __call__(self, done, total):
        if not self.drawn and time.monotonic() - self.started < self.quiet:
            return
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        percent = 100 * done // total if total else 100
        self.stream.write(
            f"\rJudging projects [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3}% "
            f"({done:,} of {total:,})"
        )
        self.stream.flush()
        self.drawn = True

    def close(self):
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = (
        "Print what each deletion-policy preset would let owners delete right now: projects, "
        "releases and files, the 20 most downloaded and most depended-on projects, and the "
        "share deletable per popularity decile. Presets use their default parameters, except "
        "the configured preset (HOLDFAST_POLICY), which keeps its HOLDFAST_POLICY_* overrides."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--preset",
            action="append",
            dest="presets",
            metavar="P",
            help=f"A preset to compare (repeat for several; all by default): "
            f"{', '.join(valid_presets())}.",
        )
        parser.add_argument(
            "--format", choices=sorted(FORMATS), default="text", help="Output format."
        )
        parser.add_argument(
            "--now",
            help="Judge as at this ISO 8601 time (default: now); one without an offset is in "
            "TIME_ZONE. The same data and --now give the same output.",
        )
        parser.add_argument(
            "--progress",
            action="store_true",
            help="Draw the progress bar on standard error even when it is not a terminal.",
        )

    def handle(self, *args, presets, format, now, progress, **options):
        now = parse_now(now) if now else timezone.now()
        try:
            configs_for(presets)
        except policy.PolicyConfigError as error:
            raise CommandError(str(error)) from None
        bar = None
        stderr = self.stderr._out
        if progress or (hasattr(stderr, "isatty") and stderr.isatty()):
            bar = ProgressBar(stderr, quiet=0 if progress else QUIET_SECONDS)
        try:
            comparison = compare(presets, now=now, progress=bar)
        finally:
            if bar is not None:
                bar.close()
        self.stdout.write(FORMATS[format](comparison), ending="")
