"""URL map: API under /api/, the staff UI at the root, the admin for auditors."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
]
