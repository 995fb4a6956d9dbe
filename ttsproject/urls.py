"""URL map: API under /api/, the staff UI at the root, the admin for auditors."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("synthesis.api.urls")),  # /api/..., /healthz, /readyz, audio downloads
    path("", include("synthesis.urls")),  # the staff web UI
]
