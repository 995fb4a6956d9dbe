"""API routes (namespace `api`), the OpenAI-compatible speech route, the OpenAPI schema and docs,
and the health probes."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import audio, openai, views

app_name = "api"

urlpatterns = [
    path("api/tts", views.SynthesizeView.as_view(), name="synthesize"),
    path("api/tts/jobs", views.JobListView.as_view(), name="job-list"),
    path("api/tts/jobs/<uuid:pk>", views.JobDetailView.as_view(), name="job-detail"),
    path("api/tts/jobs/<uuid:pk>/cancel", views.JobCancelView.as_view(), name="job-cancel"),
    path("api/tts/jobs/<uuid:pk>/audio", audio.JobAudioView.as_view(), name="job-audio"),
    path("api/voices", views.VoiceListView.as_view(), name="voices"),
    path("v1/audio/speech", openai.SpeechView.as_view(), name="openai-speech"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    re_path(r"^api/.*$", views.NotFoundView.as_view(), name="not-found"),
]
