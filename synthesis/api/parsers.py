"""JSON parsing with a body size limit, so a huge body is a 413 before anything reads it all."""

from __future__ import annotations

from django.conf import settings
from rest_framework.parsers import FormParser, JSONParser

from .exceptions import RequestTooLarge


def _check_size(stream, parser_context) -> bytes:
    limit = settings.TTS_MAX_REQUEST_BYTES
    request = (parser_context or {}).get("request")
    length = request.META.get("CONTENT_LENGTH") if request is not None else None
    if length and str(length).isdigit() and int(length) > limit:
        raise RequestTooLarge()
    data = stream.read(limit + 1) if stream is not None else b""
    if len(data) > limit:
        raise RequestTooLarge()
    return data


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        import io

        data = _check_size(stream, parser_context)
        return super().parse(io.BytesIO(data), media_type, parser_context)


class LimitedFormParser(FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        import io

        data = _check_size(stream, parser_context)
        return super().parse(io.BytesIO(data), media_type, parser_context)
