"""Short-lived signed audio links, fit for `<audio src>`: the link is the credential."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import SynthesisJob

SALT = "synthesis.audio"


def _value(job: SynthesisJob) -> str:
    # Binding the file name means a link dies when the audio is purged or replaced.
    return f"{job.pk}|{job.audio.name if job.audio else ''}"


def sign_job(job: SynthesisJob) -> str:
    """An opaque token for this job's current audio, valid for TTS_SIGNED_URL_SECONDS."""
    signed = signing.TimestampSigner(salt=SALT).sign(_value(job))
    # "<id>|<name>:<timestamp>:<signature>" -> keep only "<timestamp>:<signature>"
    return signed[len(_value(job)) + 1 :]


def verify(job: SynthesisJob, token: str, *, max_age: int | None = None) -> bool:
    """True when `token` was issued for this job's current audio and has not expired."""
    if not token:
        return False
    max_age = settings.TTS_SIGNED_URL_SECONDS if max_age is None else max_age
    try:
        signing.TimestampSigner(salt=SALT).unsign(f"{_value(job)}:{token}", max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return False
    return True


def signed_audio_url(job: SynthesisJob, *, download: bool = False, request=None) -> str:
    """A relative (or, given a request, absolute) link to the audio that needs no login."""
    if not job.has_audio:
        return ""
    url = f"{reverse('api:job-audio', kwargs={'pk': job.pk})}?sig={sign_job(job)}"
    if download:
        url += "&download=1"
    return request.build_absolute_uri(url) if request is not None else url
