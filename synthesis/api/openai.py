"""`POST /v1/audio/speech`: OpenAI's speech API in front of our job service.

Clients written for OpenAI (e.g. the `openai` SDK with `base_url=".../v1"`) point at us with one
of our tokens. The request becomes an ordinary job (`source=api`, kept in the history), the view
waits for it up to TTS_MAX_WAIT_SECONDS and answers with the audio bytes themselves. Errors have
OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`.
"""

from __future__ import annotations

import re
import wave

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from .. import selectors, services
from ..models import SynthesisJob
from ..services import QueueFull
from ..tts import formats as audio_codec
from ..tts.types import InvalidRequest
from .audio import CHUNK, IgnoreAccept
from .exceptions import first_error
from .parsers import LimitedJSONParser
from .throttling import SynthesisRateThrottle

# OpenAI's voice names: stock clients send one of these, and get our default voice.
OPENAI_VOICES = frozenset(
    {
        "alloy",
        "ash",
        "ballad",
        "cedar",
        "coral",
        "echo",
        "fable",
        "marin",
        "nova",
        "onyx",
        "sage",
        "shimmer",
        "verse",
    }
)

# response_format → our stored format; `pcm` is the WAV's samples without the header.
RESPONSE_FORMATS = {
    "mp3": "mp3",
    "wav": "wav",
    "flac": "flac",
    "pcm": "wav",
    "ogg": "ogg",
    "opus": "opus",
}
# Formats OpenAI offers that we do not produce: a clear 400 instead of a mislabelled file.
UNSUPPORTED_FORMATS = frozenset({"aac"})
PCM_RATE = 24000  # OpenAI's pcm: 24 kHz, 16-bit signed little-endian, mono
PCM_CONTENT_TYPE = "audio/pcm"

# Words in `instructions` that pick an emotion (first match wins); `emotion` overrides them.
EMOTION_WORDS = {
    "happy": ("happy", "happily", "cheerful", "joyful", "开心", "高兴", "愉快"),
    "sad": ("sad", "sadly", "悲伤", "难过", "伤心"),
    "angry": ("angry", "angrily", "生气", "愤怒"),
    "surprised": ("surprised", "surprise", "惊讶", "吃惊"),
    "fearful": ("fearful", "afraid", "scared", "害怕", "恐惧"),
    "gentle": ("gentle", "gently", "温柔"),
    "neutral": ("neutral", "平静", "中性"),
}


def emotion_from_instructions(instructions: str, emotions) -> str | None:
    """The voice's emotion named in free-text `instructions` ("speak sadly", "用开心的语气")."""
    text = (instructions or "").lower()
    if not text:
        return None
    found = []
    for emotion, words in EMOTION_WORDS.items():
        if emotion not in emotions:
            continue
        for word in words:
            pattern = rf"\b{re.escape(word)}\b" if word.isascii() else re.escape(word)
            match = re.search(pattern, text)
            if match:
                found.append((match.start(), emotion))
    return min(found)[1] if found else None


# --- errors ---------------------------------------------------------------------------------------


class SpeechTimeout(exceptions.APIException):
    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    default_detail = _("The speech is not ready yet.")
    default_code = "timeout"


class SpeechFailed(exceptions.APIException):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_detail = _("Synthesis failed.")
    default_code = "synthesis_failed"


ERROR_TYPES = {
    400: ("invalid_request_error", "invalid_value"),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "permission_denied"),
    404: ("invalid_request_error", "not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    409: ("invalid_request_error", "cancelled"),
    413: ("invalid_request_error", "request_too_large"),
    415: ("invalid_request_error", "unsupported_media_type"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    500: ("server_error", "synthesis_failed"),
    503: ("server_error", "service_unavailable"),
    504: ("server_error", "timeout"),
}


def openai_error(message, status_code: int, *, param: str | None = None, code=None) -> Response:
    kind, default_code = ERROR_TYPES.get(status_code, ("server_error", None))
    body = {"message": str(message), "type": kind, "param": param, "code": code or default_code}
    return Response({"error": body}, status=status_code)


def exception_handler(exc, context):
    """Service errors to HTTP as the API does, then OpenAI's `{"error": {...}}` body."""
    param = getattr(exc, "param", None)
    if isinstance(exc, InvalidRequest):
        exc = exceptions.ValidationError({"detail": str(exc)})
    elif isinstance(exc, QueueFull):
        exc = exceptions.APIException(str(exc))
        exc.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    field, message = first_error(response.data)
    error = openai_error(message, response.status_code, param=param or field)
    for header in ("WWW-Authenticate", "Retry-After"):
        if header in response:
            error[header] = response[header]
    return error


# --- request --------------------------------------------------------------------------------------


class SpeechRequestSerializer(serializers.Serializer):
    """OpenAI's `{model, input, voice, response_format, speed, instructions}` plus `emotion`."""

    model = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    input = serializers.CharField(
        allow_blank=True,
        trim_whitespace=True,
        error_messages={"required": _("The text is empty."), "null": _("The text is empty.")},
    )
    voice = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    response_format = serializers.CharField(required=False, default="mp3", max_length=16)
    speed = serializers.FloatField(required=False, default=1.0)
    instructions = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=4096
    )
    emotion = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    stream_format = serializers.CharField(required=False, default="audio", max_length=16)

    def validate_stream_format(self, value: str) -> str:
        if value != "audio":
            raise serializers.ValidationError(
                _("Only stream_format audio is supported; the audio comes as one file.")
            )
        return value

    def validate_input(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("The text is empty."))
        if len(value) > settings.TTS_MAX_TEXT_CHARS:
            raise serializers.ValidationError(
                _("The text is too long: %(n)d characters, at most %(max)d are allowed.")
                % {"n": len(value), "max": settings.TTS_MAX_TEXT_CHARS}
            )
        return value

    def validate_response_format(self, value: str) -> str:
        value = value.lower()
        if value in UNSUPPORTED_FORMATS:
            raise serializers.ValidationError(
                _("The format %(fmt)s is not available here; choose one of %(choices)s.")
                % {"fmt": value, "choices": ", ".join(RESPONSE_FORMATS)}
            )
        if value not in RESPONSE_FORMATS:
            raise serializers.ValidationError(
                _("Unknown format %(fmt)s; choose one of %(choices)s.")
                % {"fmt": value, "choices": ", ".join(RESPONSE_FORMATS)}
            )
        return value

    def validate_speed(self, value: float) -> float:
        low, high = selectors.CONTROLS["speed"]["min"], selectors.CONTROLS["speed"]["max"]
        if not low <= value <= high:
            raise serializers.ValidationError(
                _("This service supports speed between %(min)s and %(max)s.")
                % {"min": low, "max": high}
            )
        return value

    def validate_voice(self, value: str) -> str:
        if not value or value.lower() in OPENAI_VOICES:
            return settings.TTS_DEFAULT_VOICE
        return value


def _emotion(data: dict) -> str:
    if data["emotion"]:
        return data["emotion"]  # the service says which ones exist if it is unknown
    voice = next((v for v in selectors.voice_list() if v.id == data["voice"]), None)
    emotions = voice.emotions if voice is not None else ("neutral",)
    return emotion_from_instructions(data["instructions"], emotions) or "neutral"


# --- response -------------------------------------------------------------------------------------


def _file_chunks(name: str):
    with default_storage.open(name, "rb") as handle:
        while data := handle.read(CHUNK):
            yield data


def _pcm_chunks(name: str):
    """The WAV's frames without its header (16-bit little-endian mono, as stored)."""
    frames_per_chunk = CHUNK // 2
    with default_storage.open(name, "rb") as handle, wave.open(handle, "rb") as wav:
        while data := wav.readframes(frames_per_chunk):
            yield data


def _audio_response(job: SynthesisJob, response_format: str) -> StreamingHttpResponse:
    name = job.audio.name
    if response_format == "pcm":
        response = StreamingHttpResponse(_pcm_chunks(name), content_type=PCM_CONTENT_TYPE)
    else:
        response = StreamingHttpResponse(
            _file_chunks(name), content_type=audio_codec.content_type(job.output_format)
        )
        response["Content-Length"] = str(default_storage.size(name))
    response["Content-Disposition"] = f'inline; filename="speech.{response_format}"'
    response["X-TTS-Job"] = str(job.pk)
    response["X-Content-Type-Options"] = "nosniff"
    return response


ErrorSerializer = inline_serializer(
    "OpenAIError",
    {
        "error": inline_serializer(
            "OpenAIErrorBody",
            {
                "message": serializers.CharField(),
                "type": serializers.CharField(),
                "param": serializers.CharField(allow_null=True),
                "code": serializers.CharField(allow_null=True),
            },
        )
    },
)


class SpeechView(APIView):
    """`POST /v1/audio/speech`: synthesize and answer with the audio file (synchronous)."""

    parser_classes = [LimitedJSONParser]
    throttle_classes = [SynthesisRateThrottle]
    # The SDK asks for `application/octet-stream`; errors are still rendered as JSON.
    content_negotiation_class = IgnoreAccept

    def get_exception_handler(self):
        return exception_handler

    @extend_schema(
        operation_id="openai_audio_speech",
        summary="OpenAI-compatible speech",
        request=SpeechRequestSerializer,
        responses={
            (200, "audio/mpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="The audio"),
            (200, "audio/wav"): OpenApiTypes.BINARY,
            (200, "audio/flac"): OpenApiTypes.BINARY,
            (200, "audio/ogg"): OpenApiTypes.BINARY,
            (200, PCM_CONTENT_TYPE): OpenApiTypes.BINARY,
            400: ErrorSerializer,
            401: ErrorSerializer,
            429: ErrorSerializer,
            500: ErrorSerializer,
            503: ErrorSerializer,
            504: ErrorSerializer,
        },
    )
    def post(self, request):
        serializer = SpeechRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        fmt = data["response_format"]
        job = services.job_create(
            owner=request.user,
            text=data["input"],
            voice=data["voice"],
            emotion=_emotion(data),
            speed=data["speed"],
            output_format=RESPONSE_FORMATS[fmt],
            sample_rate=PCM_RATE if fmt == "pcm" else None,
            source=SynthesisJob.Source.API,
            client_model=data["model"],
        )
        job = selectors.job_wait(job=job, timeout=settings.TTS_MAX_WAIT_SECONDS)
        if job.status == SynthesisJob.Status.SUCCEEDED and job.has_audio:
            return _audio_response(job, fmt)
        if job.is_final and job.status != SynthesisJob.Status.CANCELLED:
            raise SpeechFailed(job.localized_error() or SpeechFailed.default_detail)
        if job.status == SynthesisJob.Status.CANCELLED:
            return openai_error(_("The job was cancelled."), status.HTTP_409_CONFLICT)
        raise SpeechTimeout(
            _(
                "The speech is not ready after %(n)d seconds; job %(id)s keeps running and "
                "stays in your history."
            )
            % {"n": settings.TTS_MAX_WAIT_SECONDS, "id": job.pk}
        )
