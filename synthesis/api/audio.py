"""Private audio downloads: owner, staff or a signed link; HTTP Range for seeking."""

from __future__ import annotations

import posixpath
import re

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from .. import signing
from ..models import SynthesisJob
from ..tts import formats as audio_codec
from .exceptions import RangeNotSatisfiable

CHUNK = 64 * 1024
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


class IgnoreAccept(DefaultContentNegotiation):
    """`<audio>` elements send audio Accept headers; errors are still rendered as JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single `bytes=` range; None to send everything.

    Raises RangeNotSatisfiable for a well-formed range outside the file. Multi-range and
    malformed headers are ignored, as RFC 9110 allows.
    """
    match = RANGE_RE.match(header.strip().replace(" ", ""))
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable()
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        raise RangeNotSatisfiable()
    return start, min(end, size - 1)


def _safe_name(name: str) -> str:
    """The stored name, normalised; anything outside the audio folder is refused."""
    clean = posixpath.normpath(name or "")
    prefix = settings.TTS_AUDIO_SUBDIR.rstrip("/") + "/"
    if not clean.startswith(prefix) or ".." in clean.split("/") or clean.startswith("/"):
        raise exceptions.NotFound(_("No audio for this job."))
    return clean


def _read(name: str, start: int, length: int):
    with default_storage.open(name, "rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            data = handle.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data


class JobAudioView(APIView):
    """`GET /api/tts/jobs/{id}/audio[?sig=...][&download=1]`."""

    permission_classes = [AllowAny]
    content_negotiation_class = IgnoreAccept
    schema = None

    def _job(self, request, pk) -> SynthesisJob:
        job = SynthesisJob.objects.filter(pk=pk, deleted_at__isnull=True).first()
        token = request.query_params.get("sig")
        if token:
            if job is None or not signing.verify(job, token):
                raise exceptions.PermissionDenied(_("This audio link has expired or is invalid."))
            return job
        user = request.user
        if not user or not user.is_authenticated:
            raise exceptions.NotAuthenticated()
        if job is None or not (user.is_staff or job.owner_id == user.pk):
            raise exceptions.NotFound(_("No such job."))
        return job

    def get(self, request, pk):
        job = self._job(request, pk)
        if not job.has_audio:
            raise exceptions.NotFound(_("No audio for this job."))
        name = _safe_name(job.audio.name)
        try:
            size = default_storage.size(name)
        except OSError:
            raise exceptions.NotFound(_("No audio for this job.")) from None
        try:
            span = parse_range(request.headers.get("Range", ""), size)
        except RangeNotSatisfiable:
            response = self.handle_exception(RangeNotSatisfiable())
            response["Content-Range"] = f"bytes */{size}"
            response["Accept-Ranges"] = "bytes"
            return response
        start, end = span if span else (0, size - 1)
        length = max(0, end - start + 1)
        response = StreamingHttpResponse(
            _read(name, start, length),
            status=206 if span else 200,
            content_type=audio_codec.content_type(job.output_format),
        )
        response["Content-Length"] = str(length)
        response["Accept-Ranges"] = "bytes"
        if span:
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
        disposition = "attachment" if request.query_params.get("download") else "inline"
        filename = f"tts-{job.created_at:%Y%m%d-%H%M%S}-{str(job.pk)[:8]}.{job.output_format}"
        response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response
