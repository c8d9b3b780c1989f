"""A test worker that also knows the fault suite's poison job kinds (tests/faults/poison)."""

from config.settings.test import *  # noqa: F403
from config.settings.test import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.faults.poison.apps.PoisonConfig"]
