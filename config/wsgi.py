"""The WSGI entry point (gunicorn). Without DJANGO_SETTINGS_MODULE it runs production settings,
which refuse to start unconfigured: a forgotten variable must never mean DEBUG and the published local key."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

from apps.core.checks import refuse_weak_keys  # noqa: E402  (needs the apps loaded above)
from apps.core.server import heap_settle  # noqa: E402

refuse_weak_keys()
heap_settle()
