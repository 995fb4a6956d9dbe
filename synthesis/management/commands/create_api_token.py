"""Create (or show, or reset) a user's API token; the key alone is the last line printed."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Print an API token for a user (Authorization: Token <key> or Bearer <key>)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--create-user", action="store_true", help="create the user (no password) if missing"
        )
        parser.add_argument("--reset", action="store_true", help="replace an existing token")

    def handle(self, *args, username: str, create_user: bool, reset: bool, **options) -> None:
        User = get_user_model()
        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None:
            if not create_user:
                raise CommandError(f"no user {username!r}; pass --create-user to create one")
            user = User.objects.create_user(**{User.USERNAME_FIELD: username})
            user.set_unusable_password()
            user.save()
            self.stderr.write(f"created user {username}")
        if reset:
            Token.objects.filter(user=user).delete()
        token, created = Token.objects.get_or_create(user=user)
        self.stderr.write(f"{'new' if created else 'existing'} token for {username}:")
        self.stdout.write(token.key)
