"""Pages of the staff web UI: synthesize, history, job detail, API tokens.

The views stay thin: the job service writes, the model's `visible_to` decides who sees what.
The synthesize page posts with `fetch` and follows the job through `job_status`, a small JSON
view shaped for this page (translated labels, signed audio URLs); without JavaScript the same
form posts normally and lands on the job's detail page, which refreshes until the job is done.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from . import selectors, services, signing
from .forms import CONTROLS, HistoryFilterForm, SynthesisForm, VoiceChoice
from .models import SynthesisJob
from .selectors import emotion_label
from .tts.types import TTSError

logger = logging.getLogger(__name__)

HISTORY_PAGE_SIZE = 20


# --- helpers ------------------------------------------------------------------------------------


def available_voices() -> list[VoiceChoice]:
    """The voices to offer, from the same registry the workers synthesize with."""
    return [
        VoiceChoice(
            id=v.id,
            name=v.name,
            emotions=tuple(v.emotions),
            sample_rate=v.sample_rate,
        )
        for v in selectors.voice_list()
    ]


def get_visible_job(request: HttpRequest, pk) -> SynthesisJob:
    """Someone else's job is a 404, never a 403: its existence is not revealed."""
    job = selectors.job_get(user=request.user, job_id=pk)
    if job is None:
        raise Http404(_("No such job."))
    return job


def audio_url(job: SynthesisJob, *, download: bool = False) -> str:
    """A short-lived signed URL of the job's audio, or "" when there is none to play."""
    if not job.has_audio:
        return ""
    return signing.signed_audio_url(job, download=download)


def plain_error(exc: Exception) -> str:
    """A message fit for a person: the text of a validation error, never a traceback."""
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    text = str(exc).strip()
    return text or _("The request could not be processed.")


def job_payload(job: SynthesisJob) -> dict[str, Any]:
    """What the synthesize page needs to follow and present one job."""
    done, total = job.progress_done, job.progress_total
    if job.status == SynthesisJob.Status.SUCCEEDED:
        total = total or 1
        done = total
    percent = round(job.progress * 100)
    error = ""
    if job.status == SynthesisJob.Status.FAILED:
        error = job.localized_error() or _("Synthesis failed for an unknown reason.")
    return {
        "id": str(job.id),
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "final": job.is_final,
        "progress_done": done,
        "progress_total": total,
        "percent": percent,
        "duration": job.duration,
        "synthesis_seconds": job.synthesis_seconds,
        "has_audio": job.has_audio,
        "audio_purged": bool(job.audio_purged_at),
        "audio_url": audio_url(job),
        "download_url": audio_url(job, download=True),
        "output_format": job.output_format,
        "error": error,
        "detail_url": reverse("job_detail", args=[job.pk]),
        "cancel_url": reverse("job_cancel", args=[job.pk]),
    }


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def ui_strings() -> dict[str, str]:
    """Words the page's script shows, translated on the server."""
    return {
        "queued": _("Waiting for a free worker…"),
        "running": _("Synthesizing… %(done)s of %(total)s clauses"),
        "starting": _("Synthesizing…"),
        "succeeded": _("Done."),
        "failed": _("Synthesis failed"),
        "cancelled": _("Cancelled."),
        "cancelling": _("Cancelling…"),
        "network": _("The server could not be reached. Please check your connection and retry."),
        "server": _("The server could not process the request. Please try again later."),
        "autoplay": _("Your browser blocked automatic playback; press play to listen."),
        "seconds": _("%(value)s s"),
        "chars": _("%(count)s / %(limit)s characters"),
        "too_long": _("The text is too long: at most %(limit)s characters."),
        "empty": _("Please enter some text to synthesize."),
    }


# --- synthesize ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def synthesize(request: HttpRequest) -> HttpResponse:
    voices = available_voices()
    if request.method == "POST":
        form = SynthesisForm(request.POST, voices=voices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = services.job_create(
                    owner=request.user,
                    text=data["text"],
                    voice=data["voice"],
                    emotion=data["emotion"],
                    intensity=data["intensity"],
                    speed=data["speed"],
                    pitch=data["pitch"],
                    volume=data["volume"],
                    output_format=data["output_format"],
                    sample_rate=None,  # the voice's native rate
                    source=SynthesisJob.Source.WEB,
                )
            except (ValidationError, TTSError, ValueError) as exc:
                form.add_error(None, plain_error(exc))
            else:
                if wants_json(request):
                    return JsonResponse(job_payload(job), status=202)
                return redirect("job_detail", pk=job.pk)
        if wants_json(request):
            errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
            message = " ".join(" ".join(errs) for errs in errors.values())
            return JsonResponse(
                {"status": "error", "message": message, "errors": errors}, status=400
            )
    else:
        form = SynthesisForm(voices=voices, initial=again_initial(request))
    return render(
        request,
        "synthesis/synthesize.html",
        {
            "form": form,
            "voices_data": [
                {
                    "id": v.id,
                    "name": v.name,
                    "emotions": [{"id": e, "label": emotion_label(e)} for e in v.emotions],
                }
                for v in voices
            ],
            "ui_strings": ui_strings(),
            "max_chars": settings.TTS_MAX_TEXT_CHARS,
        },
    )


def again_initial(request: HttpRequest) -> dict[str, Any]:
    """Synthesize again: the form pre-filled from one of the user's earlier jobs."""
    pk = request.GET.get("again")
    if not pk:
        return {}
    try:
        job = selectors.job_get(user=request.user, job_id=pk)
    except (ValidationError, ValueError):
        return {}
    if job is None:
        return {}
    initial = {
        "text": job.text,
        "voice": job.voice,
        "emotion": job.emotion,
        "output_format": job.output_format,
    }
    initial.update({c.name: getattr(job, c.name) for c in CONTROLS})
    return initial


@login_required
@require_GET
def job_status(request: HttpRequest, pk) -> JsonResponse:
    job = get_visible_job(request, pk)
    return JsonResponse(job_payload(job))


@login_required
@require_POST
def job_cancel(request: HttpRequest, pk) -> HttpResponse:
    job = get_visible_job(request, pk)
    try:
        job = services.job_cancel(job=job) or job
    except (ValidationError, ValueError) as exc:
        if wants_json(request):
            return JsonResponse({"status": "error", "message": plain_error(exc)}, status=409)
        messages.error(request, plain_error(exc))
        return redirect("job_detail", pk=job.pk)
    job.refresh_from_db()
    if wants_json(request):
        return JsonResponse(job_payload(job))
    messages.success(request, _("Cancellation requested."))
    return redirect("job_detail", pk=job.pk)


# --- history ------------------------------------------------------------------------------------


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    show_owner = request.user.is_staff
    voices = available_voices()
    filters = HistoryFilterForm(request.GET or None, voices=voices, show_owner=show_owner)
    jobs = selectors.job_list(user=request.user, filters=filters.selector_filters())
    jobs = filters.owner_filter(jobs)
    page = Paginator(jobs, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "job": job,
            "emotion_label": emotion_label(job.emotion),
            "audio_url": audio_url(job),
            "download_url": audio_url(job, download=True),
        }
        for job in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "synthesis/history.html",
        {
            "filters": filters,
            "page": page,
            "rows": rows,
            "show_owner": show_owner,
            "query": query.urlencode(),
        },
    )


@login_required
@require_GET
def job_detail(request: HttpRequest, pk) -> HttpResponse:
    job = get_visible_job(request, pk)
    return render(
        request,
        "synthesis/job_detail.html",
        {
            "job": job,
            "emotion_label": emotion_label(job.emotion),
            "audio_url": audio_url(job),
            "download_url": audio_url(job, download=True),
            "payload": job_payload(job),
            "ui_strings": ui_strings(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def job_delete(request: HttpRequest, pk) -> HttpResponse:
    """GET asks for confirmation; only the POST of that page deletes."""
    job = get_visible_job(request, pk)
    if request.method == "POST":
        try:
            services.job_delete(job=job)
        except (ValidationError, ValueError) as exc:
            messages.error(request, plain_error(exc))
            return redirect("job_detail", pk=job.pk)
        messages.success(request, _("The job was deleted."))
        return redirect("history")
    return render(request, "synthesis/job_confirm_delete.html", {"job": job})


# --- API tokens ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """One token per user: create it (its key is shown once), or revoke it."""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            Token.objects.filter(user=request.user).delete()
            token = Token.objects.create(user=request.user)
            # Kept in the session only until the next page shows it.
            request.session["new_token_key"] = token.key
            messages.success(request, _("A new token was created."))
        elif action == "revoke":
            deleted, _unused = Token.objects.filter(user=request.user).delete()
            if deleted:
                messages.success(request, _("Your token was revoked; it no longer works."))
        return redirect("tokens")
    token = Token.objects.filter(user=request.user).first()
    new_key = request.session.pop("new_token_key", None)
    if token is None or new_key != token.key:
        new_key = None
    return render(
        request,
        "synthesis/tokens.html",
        {
            "token": token,
            "new_key": new_key,
            "masked_key": f"{token.key[:4]}{'•' * 12}" if token else "",
            "api_url": request.build_absolute_uri("/api/tts"),
        },
    )
