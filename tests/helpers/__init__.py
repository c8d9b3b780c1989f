"""What tests share: the project's paths, signing in as people do, staff with a second factor,
and a real Celery worker. Fixtures built on these live in tests/conftest.py."""

from tests.helpers.auth import (
    add_authenticator,
    make_staff,
    reauthenticate,
    reauthenticate_second_factor,
    sign_in,
    totp_code,
)
from tests.helpers.paths import ARTIFACTS, IN_CI, ROOT
from tests.helpers.worker import database_url_for_worker, start_worker, stop_worker

__all__ = [
    "ARTIFACTS",
    "IN_CI",
    "ROOT",
    "add_authenticator",
    "database_url_for_worker",
    "make_staff",
    "reauthenticate",
    "reauthenticate_second_factor",
    "sign_in",
    "start_worker",
    "stop_worker",
    "totp_code",
]
