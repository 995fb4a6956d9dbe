"""Forms of the staff web UI: the synthesis request and the history filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import SynthesisJob
from .selectors import CONTROLS as CONTROL_RANGES
from .selectors import EMOTION_LABELS, emotion_label


@dataclass(frozen=True)
class Control:
    """A slider: its range, step and the value a reset returns to."""

    name: str
    label: str
    minimum: float
    maximum: float
    step: float
    default: float
    unit: str = ""


def _control(name: str, label, step: float, unit: str = "") -> Control:
    limits = CONTROL_RANGES[name]
    return Control(name, label, limits["min"], limits["max"], step, limits["default"], unit)


# The ranges are the engines' (selectors.CONTROLS); labels, steps and units are the page's.
CONTROLS = (
    _control("speed", _("Speed"), 0.05, "×"),
    _control("pitch", _("Pitch"), 0.5, _("semitones")),
    _control("volume", _("Volume"), 1.0, "dB"),
    _control("intensity", _("Emotion intensity"), 0.1),
)


@dataclass(frozen=True)
class VoiceChoice:
    id: str
    name: str
    emotions: tuple[str, ...]
    sample_rate: int


class SynthesisForm(forms.Form):
    """What the synthesize page posts; the job service validates against the engine again."""

    text = forms.CharField(
        label=_("Text"),
        strip=True,
        widget=forms.Textarea(attrs={"rows": 8, "aria-describedby": "char-count"}),
        error_messages={"required": _("Please enter some text to synthesize.")},
    )
    voice = forms.ChoiceField(label=_("Voice"))
    emotion = forms.ChoiceField(label=_("Emotion"))
    output_format = forms.ChoiceField(
        label=_("Format"),
        choices=SynthesisJob.Format.choices,
        initial=SynthesisJob.Format.WAV,
        required=False,
    )

    def __init__(self, *args, voices: list[VoiceChoice], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.voices = {v.id: v for v in voices}
        max_chars = settings.TTS_MAX_TEXT_CHARS
        self.fields["text"].max_length = max_chars
        self.fields["text"].validators.append(
            MaxLengthValidator(
                max_chars,
                message=_(
                    "The text is too long: at most %(limit_value)s characters, "
                    "this one has %(show_value)s."
                ),
            )
        )
        self.fields["text"].widget.attrs["maxlength"] = str(max_chars)
        self.fields["voice"].choices = [(v.id, v.name) for v in voices]
        emotions: list[str] = []
        for v in voices:
            emotions.extend(e for e in v.emotions if e not in emotions)
        self.fields["emotion"].choices = [(e, emotion_label(e)) for e in emotions]
        for control in CONTROLS:
            self.fields[control.name] = forms.FloatField(
                label=control.label,
                min_value=control.minimum,
                max_value=control.maximum,
                initial=control.default,
                required=False,
                widget=forms.NumberInput(
                    attrs={
                        "type": "range",
                        "min": control.minimum,
                        "max": control.maximum,
                        "step": control.step,
                        "data-default": control.default,
                    }
                ),
            )
        default_voice = settings.TTS_DEFAULT_VOICE
        if default_voice in self.voices:
            self.fields["voice"].initial = default_voice

    def clean(self) -> dict:
        data = super().clean()
        voice = self.voices.get(data.get("voice", ""))
        emotion = data.get("emotion")
        if voice and emotion and emotion not in voice.emotions:
            self.add_error(
                "emotion",
                _("The voice “%(voice)s” cannot speak with the emotion “%(emotion)s”.")
                % {"voice": voice.name, "emotion": emotion_label(emotion)},
            )
        # Fields a client may leave out take the page's defaults.
        data["output_format"] = data.get("output_format") or SynthesisJob.Format.WAV
        for control in CONTROLS:
            if data.get(control.name) is None:
                data[control.name] = control.default
        return data

    def sliders(self) -> list[tuple[Control, forms.BoundField]]:
        return [(control, self[control.name]) for control in CONTROLS]


class DateInput(forms.DateInput):
    input_type = "date"


class HistoryFilterForm(forms.Form):
    """The search and filters above the history table; every field is optional."""

    q = forms.CharField(label=_("Search text"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False)
    emotion = forms.ChoiceField(label=_("Emotion"), required=False)
    voice = forms.ChoiceField(label=_("Voice"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)
    owner = forms.CharField(label=_("Owner"), required=False, max_length=150)

    def __init__(self, *args, voices: list[VoiceChoice], show_owner: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        any_choice = [("", _("Any"))]
        self.fields["status"].choices = any_choice + list(SynthesisJob.Status.choices)
        emotions: list[str] = list(EMOTION_LABELS)
        for v in voices:
            emotions.extend(e for e in v.emotions if e not in emotions)
        self.fields["emotion"].choices = any_choice + [(e, emotion_label(e)) for e in emotions]
        self.fields["voice"].choices = any_choice + [(v.id, v.name) for v in voices]
        if not show_owner:
            del self.fields["owner"]

    def selector_filters(self) -> dict:
        """The filled-in fields, in the words of `selectors.job_list`."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        filters = {name: data[name] for name in ("status", "emotion", "voice") if data[name]}
        if data["q"]:
            filters["search"] = data["q"]
        # Whole days in the user's time zone: from the start of one to the end of the other.
        tz = timezone.get_current_timezone()
        if data["date_from"]:
            filters["created_after"] = datetime.combine(data["date_from"], time.min, tz)
        if data["date_to"]:
            filters["created_before"] = datetime.combine(data["date_to"], time.max, tz)
        return filters

    def owner_filter(self, jobs):
        """Staff only: narrow to one owner by user name."""
        if self.is_valid() and self.cleaned_data.get("owner"):
            jobs = jobs.filter(owner__username__iexact=self.cleaned_data["owner"])
        return jobs

    def is_filtered(self) -> bool:
        return self.is_bound and self.is_valid() and any(self.cleaned_data.values())
