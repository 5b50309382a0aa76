from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from infusionist.accounts.models import User
from infusionist.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Print a new bearer token for the JSON API that acts as the given user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="command line")
        parser.add_argument("--scopes", nargs="*", default=[])

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(email=options["email"].strip().lower())
        except User.DoesNotExist as exc:
            raise CommandError(f"No user with email {options['email']!r}.") from exc
        if not user.is_active:
            raise CommandError(f"{user.email} is deactivated.")
        raw = api_token_create(user=user, name=options["name"], scopes=options["scopes"])
        self.stdout.write(f"Token for {user.email} ({user.get_role_display()}):")
        self.stdout.write(raw)
