#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    # Local on purpose: manage.py is the developer's tool (runserver, makemigrations, a shell) and
    # serves no one. The long-running entry points (config/wsgi.py, asgi.py, celery.py) default to
    # production; production's commands set DJANGO_SETTINGS_MODULE (README, "Production").
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
