"""Input and output shapes of the API; no side effects here."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .. import signing
from ..models import SynthesisJob
from ..selectors import CONTROLS
from ..tts import formats as audio_codec


def _range_field(name: str, **kwargs) -> serializers.FloatField:
    spec = CONTROLS[name]
    low, high = spec["min"], spec["max"]
    message = _("Must be between %(min)s and %(max)s.") % {"min": low, "max": high}
    return serializers.FloatField(
        required=False,
        default=spec["default"],
        min_value=low,
        max_value=high,
        error_messages={"min_value": message, "max_value": message},
        **kwargs,
    )


class SynthesisRequestSerializer(serializers.Serializer):
    """`{text, emotion}` as in the article, plus optional voice and controls."""

    text = serializers.CharField(
        allow_blank=True,
        trim_whitespace=True,
        error_messages={"required": _("The text is empty."), "null": _("The text is empty.")},
    )
    emotion = serializers.CharField(required=False, default="neutral", max_length=32)
    voice = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    speed = _range_field("speed")
    pitch = _range_field("pitch")
    volume = _range_field("volume")
    intensity = _range_field("intensity")
    format = serializers.ChoiceField(
        choices=list(audio_codec.FORMATS), required=False, default="wav"
    )
    sample_rate = serializers.ChoiceField(
        choices=list(audio_codec.SAMPLE_RATES), required=False, allow_null=True, default=None
    )
    wait = serializers.FloatField(required=False, min_value=0, allow_null=True, default=None)

    def validate_text(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("The text is empty."))
        if len(value) > settings.TTS_MAX_TEXT_CHARS:
            raise serializers.ValidationError(
                _("The text is too long: %(n)d characters, at most %(max)d are allowed.")
                % {"n": len(value), "max": settings.TTS_MAX_TEXT_CHARS}
            )
        return value

    def validate_wait(self, value: float | None) -> float:
        if value is None:
            return settings.TTS_DEFAULT_WAIT_SECONDS
        return min(value, settings.TTS_MAX_WAIT_SECONDS)


class ProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField(source="progress_done")
    total = serializers.IntegerField(source="progress_total")
    fraction = serializers.FloatField(source="progress")


class JobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    audio_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    progress = ProgressSerializer(source="*")
    format = serializers.CharField(source="output_format")
    owner = serializers.CharField(source="owner.get_username")
    reused = serializers.SerializerMethodField()
    error_message = serializers.SerializerMethodField(
        help_text="Why the job failed, in the caller's language (Accept-Language)."
    )

    class Meta:
        model = SynthesisJob
        fields = [
            "id",
            "url",
            "status",
            "owner",
            "source",
            "text",
            "voice",
            "emotion",
            "intensity",
            "speed",
            "pitch",
            "volume",
            "format",
            "sample_rate",
            "progress",
            "error_message",
            "audio_url",
            "download_url",
            "duration",
            "size_bytes",
            "engine",
            "engine_version",
            "attempts",
            "reused",
            "created_at",
            "started_at",
            "finished_at",
            "synthesis_seconds",
            "rtf",
            "audio_purged_at",
        ]
        read_only_fields = fields

    def _request(self):
        return self.context.get("request")

    def get_url(self, job: SynthesisJob) -> str:
        url = reverse("api:job-detail", kwargs={"pk": job.pk})
        request = self._request()
        return request.build_absolute_uri(url) if request is not None else url

    def get_audio_url(self, job: SynthesisJob) -> str | None:
        return signing.signed_audio_url(job, request=self._request()) or None

    def get_download_url(self, job: SynthesisJob) -> str | None:
        return signing.signed_audio_url(job, download=True, request=self._request()) or None

    def get_error_message(self, job: SynthesisJob) -> str:
        return job.localized_error()

    def get_reused(self, job: SynthesisJob) -> bool:
        return job.reused_from_id is not None
