"""Every API error is `{"status": "error", "message": ...}`, whatever raised it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..services import JobStateError, QueueFull
from ..tts.types import InvalidRequest


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The service is busy; please try again later.")
    default_code = "unavailable"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The job is not in a state that allows this.")
    default_code = "conflict"


class RangeNotSatisfiable(exceptions.APIException):
    status_code = status.HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE
    default_detail = _("The requested range is not satisfiable.")
    default_code = "range"


def first_error(detail) -> tuple[str | None, str]:
    """(field, message) of the first problem in a DRF detail (str, list or {field: [...]})."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            field = None if key in ("detail", "non_field_errors") else key
            return field, first_error(value)[1]
        return None, ""
    if isinstance(detail, list | tuple):
        return first_error(detail[0]) if detail else (None, "")
    return None, str(detail)


def _first_message(detail) -> str:
    """The first human message of a DRF detail, prefixed with its field when it has one."""
    field, message = first_error(detail)
    return f"{field}: {message}" if field else message


def exception_handler(exc, context):
    """Map service errors to HTTP, then give DRF's answer the `{status, message}` shape."""
    if isinstance(exc, InvalidRequest):
        exc = exceptions.ValidationError({"detail": str(exc)})
    elif isinstance(exc, QueueFull):
        exc = ServiceUnavailable(str(exc))
    elif isinstance(exc, JobStateError):
        exc = Conflict(str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    body = {"status": "error", "message": _first_message(detail)}
    if isinstance(detail, dict) and set(detail) - {"detail"}:
        body["errors"] = detail
    response.data = body
    return response


def error_response(message: str, status_code: int, **extra) -> Response:
    return Response({"status": "error", "message": str(message), **extra}, status=status_code)
