"""Admin for auditors: every job, read-only, with a player and purge / re-run actions."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services, signing
from .models import SynthesisJob


@admin.register(SynthesisJob)
class SynthesisJobAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "owner",
        "short_text",
        "voice",
        "emotion",
        "status",
        "progress_display",
        "duration",
        "source",
        "audio_state",
    )
    list_filter = ("status", "emotion", "voice", "source", "owner", "created_at")
    search_fields = ("text", "id", "owner__username", "error_message")
    date_hierarchy = "created_at"
    list_select_related = ("owner",)
    actions = ("purge_audio", "rerun", "delete_keep_audit")
    readonly_fields = [f.name for f in SynthesisJob._meta.fields] + ["audio_player"]
    fieldsets = (
        (
            _("Request"),
            {
                "fields": (
                    "id",
                    "owner",
                    "source",
                    "text",
                    "voice",
                    "emotion",
                    "intensity",
                    "speed",
                    "pitch",
                    "volume",
                    "output_format",
                    "sample_rate",
                    "text_hash",
                )
            },
        ),
        (
            _("Result"),
            {
                "fields": (
                    "status",
                    "error_message",
                    "audio_player",
                    "audio",
                    "duration",
                    "size_bytes",
                    "engine",
                    "engine_version",
                    "reused_from",
                    "audio_purged_at",
                )
            },
        ),
        (
            _("Progress and timings"),
            {
                "fields": (
                    "progress_done",
                    "progress_total",
                    "attempts",
                    "cancel_requested",
                    "task_id",
                    "worker",
                    "heartbeat_at",
                    "created_at",
                    "started_at",
                    "finished_at",
                    "synthesis_seconds",
                    "rtf",
                    "deleted_at",
                )
            },
        ),
    )

    def has_add_permission(self, request) -> bool:
        return False  # jobs are created through the service, never typed in

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # read-only audit record; actions go through the service

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # rows are the audit trail; "delete text and audio" keeps them

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=_("text"))
    def short_text(self, job: SynthesisJob) -> str:
        return job.text[:40] + ("…" if len(job.text) > 40 else "")

    @admin.display(description=_("progress"))
    def progress_display(self, job: SynthesisJob) -> str:
        return f"{job.progress_done}/{job.progress_total}"

    @admin.display(description=_("audio"))
    def audio_state(self, job: SynthesisJob) -> str:
        if job.has_audio:
            return _("reused") if job.reused_from_id else _("kept")
        return _("purged") if job.audio_purged_at else "—"

    @admin.display(description=_("player"))
    def audio_player(self, job: SynthesisJob) -> str:
        url = signing.signed_audio_url(job)
        if not url:
            return "—"
        return format_html('<audio controls preload="none" src="{}"></audio>', url)

    @admin.action(description=_("Purge audio of the selected jobs"))
    def purge_audio(self, request, queryset) -> None:
        count = sum(1 for job in queryset if services.job_purge_audio(job=job))
        self.message_user(
            request,
            ngettext("Purged the audio of %d job.", "Purged the audio of %d jobs.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Re-run the selected jobs (new jobs, same parameters)"))
    def rerun(self, request, queryset) -> None:
        created, errors = 0, []
        for job in queryset:
            try:
                services.job_rerun(job=job, owner=request.user, source=SynthesisJob.Source.ADMIN)
                created += 1
            except (ValueError, services.QueueFull) as exc:
                errors.append(f"{job.pk}: {exc}")
        self.message_user(
            request,
            ngettext("Queued %d new job.", "Queued %d new jobs.", created) % created,
            messages.SUCCESS,
        )
        for error in errors:
            self.message_user(request, error, messages.ERROR)

    @admin.action(description=_("Delete text and audio of the selected jobs (keep audit rows)"))
    def delete_keep_audit(self, request, queryset) -> None:
        count = 0
        for job in queryset.filter(deleted_at__isnull=True):
            services.job_delete(job=job)
            count += 1
        self.message_user(
            request,
            ngettext("Deleted %d job.", "Deleted %d jobs.", count) % count,
            messages.SUCCESS,
        )
