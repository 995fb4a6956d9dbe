"""Thin API views: validate, call a service or selector, shape the answer."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..models import SynthesisJob
from .exceptions import error_response
from .filters import JobFilter
from .pagination import JobPagination
from .parsers import LimitedFormParser, LimitedJSONParser
from .permissions import IsOwnerOrStaff
from .serializers import JobSerializer, SynthesisRequestSerializer
from .throttling import SynthesisRateThrottle

ErrorSerializer = inline_serializer(
    "Error", {"status": serializers.CharField(), "message": serializers.CharField()}
)


class SynthesizeView(APIView):
    """`POST /api/tts`: queue a job and wait up to `wait` seconds for its audio."""

    parser_classes = [LimitedJSONParser, LimitedFormParser]
    throttle_classes = [SynthesisRateThrottle]

    @extend_schema(
        request=SynthesisRequestSerializer,
        responses={
            200: OpenApiResponse(description="Finished within `wait`: status success, audio_url"),
            202: OpenApiResponse(description="Still queued or running; poll `url` (Location)"),
            400: ErrorSerializer,
            401: ErrorSerializer,
            413: ErrorSerializer,
            429: ErrorSerializer,
            503: ErrorSerializer,
        },
    )
    def post(self, request):
        serializer = SynthesisRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        job = services.job_create(
            owner=request.user,
            text=data["text"],
            voice=data["voice"] or None,
            emotion=data["emotion"],
            intensity=data["intensity"],
            speed=data["speed"],
            pitch=data["pitch"],
            volume=data["volume"],
            output_format=data["format"],
            sample_rate=data["sample_rate"],
            source=SynthesisJob.Source.API,
        )
        job = selectors.job_wait(job=job, timeout=data["wait"])
        body = JobSerializer(job, context={"request": request}).data
        summary = {"id": body["id"], "url": body["url"], "job": body}
        if job.status == SynthesisJob.Status.SUCCEEDED:
            return Response(
                {
                    "status": "success",
                    **summary,
                    "audio_url": body["audio_url"],
                    "download_url": body["download_url"],
                    "duration": job.duration,
                    "format": job.output_format,
                    "reused": body["reused"],
                }
            )
        if job.status == SynthesisJob.Status.FAILED:
            return error_response(
                job.localized_error(), status.HTTP_500_INTERNAL_SERVER_ERROR, **summary
            )
        if job.status == SynthesisJob.Status.CANCELLED:
            return error_response(_("The job was cancelled."), status.HTTP_409_CONFLICT, **summary)
        return Response(
            {"status": job.status, **summary},
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": body["url"], "Retry-After": "1"},
        )


class JobListView(generics.ListAPIView):
    """`GET /api/tts/jobs`: my jobs (staff: everyone's), newest first."""

    serializer_class = JobSerializer
    pagination_class = JobPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = JobFilter

    def get_queryset(self):
        return selectors.job_list(user=self.request.user)


class JobObjectMixin:
    def get_object(self) -> SynthesisJob:
        job = selectors.job_get(user=self.request.user, job_id=self.kwargs["pk"])
        if job is None:
            raise exceptions.NotFound(_("No such job."))
        self.check_object_permissions(self.request, job)
        return job


class JobDetailView(JobObjectMixin, generics.RetrieveDestroyAPIView):
    """`GET` one job; `DELETE` removes its text and audio and keeps an audit row."""

    serializer_class = JobSerializer

    permission_classes = [IsAuthenticated, IsOwnerOrStaff]

    def perform_destroy(self, instance: SynthesisJob) -> None:
        services.job_delete(job=instance)


class JobCancelView(JobObjectMixin, APIView):
    """`POST /api/tts/jobs/{id}/cancel`."""

    permission_classes = [IsAuthenticated, IsOwnerOrStaff]

    @extend_schema(request=None, responses={200: JobSerializer, 409: ErrorSerializer})
    def post(self, request, pk):
        job = services.job_cancel(job=self.get_object())
        return Response(JobSerializer(job, context={"request": request}).data)


class VoiceListView(APIView):
    """`GET /api/voices`: voices, their emotions, and the controls' ranges."""

    @extend_schema(responses={200: OpenApiResponse(description="{voices: [...]}")})
    def get(self, request):
        return Response({"voices": selectors.voice_catalog()})


class NotFoundView(APIView):
    """Any other path under /api/: a 404 in the API's error shape."""

    permission_classes = [AllowAny]
    authentication_classes = []
    schema = None

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise exceptions.NotFound()


def healthz(request):
    """The process is up (no dependencies checked)."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Database, queue/cluster and the default voice; 503 when any of them fails."""
    checks = selectors.readiness()
    ok = all(c.ok for c in checks)
    return JsonResponse(
        {
            "status": "ok" if ok else "error",
            "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
        },
        status=200 if ok else 503,
    )
