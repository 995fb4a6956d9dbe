"""Token authentication that accepts DRF's `Token <key>` and the common `Bearer <key>`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header


class TokenOrBearerAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` or `Authorization: Bearer <key>` (what OpenAI SDKs send)."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid Authorization header: expected 'Token <key>' or 'Bearer <key>'.")
            )
        try:
            key = auth[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return self.authenticate_credentials(key)

    def authenticate_header(self, request) -> str:
        return "Token"
