"""History filters: status, voice, emotion, date range, and a text search."""

from __future__ import annotations

import django_filters

from ..models import SynthesisJob


class JobFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SynthesisJob.Status.choices)
    voice = django_filters.CharFilter()
    emotion = django_filters.CharFilter()
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")
    date_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")
    search = django_filters.CharFilter(field_name="text", lookup_expr="icontains")

    class Meta:
        model = SynthesisJob
        fields = ["status", "voice", "emotion"]
