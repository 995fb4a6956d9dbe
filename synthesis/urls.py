"""Routes of the staff web UI, mounted at the site root (the API lives under /api/)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from . import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done")),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("", views.synthesize, name="synthesize"),
    path("history/", views.history, name="history"),
    path("history/<uuid:pk>/", views.job_detail, name="job_detail"),
    path("history/<uuid:pk>/status/", views.job_status, name="job_status"),
    path("history/<uuid:pk>/cancel/", views.job_cancel, name="job_cancel"),
    path("history/<uuid:pk>/delete/", views.job_delete, name="job_delete"),
    path("tokens/", views.tokens, name="tokens"),
    path("i18n/", include("django.conf.urls.i18n")),
]
