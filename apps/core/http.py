"""Request types for type checkers: what a view may assume about ``request.user``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from apps.accounts.models import User  # AUTH_USER_MODEL; core names it only for the type checker


class AuthenticatedHttpRequest(HttpRequest):
    """A request with a signed-in user: the views behind ``login_required`` or the admin's sign-in gate.

    An annotation only (views still receive Django's ``HttpRequest``): ``request.user`` is a ``User``
    there, never an ``AnonymousUser``, and the type checker needs to be told so.
    """

    user: User
