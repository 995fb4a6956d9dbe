"""Who may touch a job: its owner, or staff."""

from __future__ import annotations

from rest_framework.permissions import BasePermission


class IsOwnerOrStaff(BasePermission):
    def has_object_permission(self, request, view, obj) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_staff or obj.owner_id == user.pk))
