"""Prune old audio now, as the schedule does; --dry-run lists what would go."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from synthesis import services


class Command(BaseCommand):
    help = "Remove audio past TTS_PRUNE_MAX_AGE_DAYS / _MAX_FILES / _MAX_TOTAL_MB, and orphans."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="change nothing, only report")

    def handle(self, *args, dry_run: bool, **options) -> None:
        report = services.audio_prune(dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        for name in report.files + report.orphans:
            self.stdout.write(f"{verb} {name} ({report.reasons.get(name, '')})")
        self.stdout.write(
            f"{verb} {len(report.files)} files of {len(report.jobs)} jobs and "
            f"{len(report.orphans)} orphans, {report.bytes_freed} bytes"
        )
