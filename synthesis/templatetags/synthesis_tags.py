"""Small formatting filters for the web UI's templates."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ..forms import emotion_label as _emotion_label

register = template.Library()


@register.filter
def seconds(value) -> str:
    """2.345 -> "2.35 s"; empty stays empty."""
    if value is None or value == "":
        return "—"
    return _("%(value)s s") % {"value": number_format(float(value), 2)}


@register.filter
def emotion_label(value: str) -> str:
    return _emotion_label(value)


@register.filter
def filesize(value) -> str:
    if not value:
        return "—"
    size = float(value)
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{number_format(size, 0 if unit == 'B' else 1)} {unit}"
        size /= 1024
    return ""
