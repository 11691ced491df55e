"""The `vicinato` command: Django's manage.py with the project's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vicinato.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 (reads the settings: a missing one is said in one line)
    except ImproperlyConfigured as error:
        sys.exit(f"vicinato: {error}")

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
