import time

from django.conf import settings
from django.contrib.auth import logout
from django.utils import timezone, translation

from apps.accounts.services import user_touch_last_seen


class UserLanguageMiddleware:
    """A signed-in customer sees their preferred language wherever they sign in.

    Runs after LocaleMiddleware; the language switcher saves the preference.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.preferred_language
            and user.preferred_language != request.LANGUAGE_CODE
        ):
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)


class UserTimeZoneMiddleware:
    """A signed-in customer sees every time in their own zone (``User.local_time_zone``).

    Anyone else sees the organisation's TIME_ZONE. Staff pages that say UTC convert explicitly.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_staff:
            timezone.activate(user.local_time_zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class LastSeenMiddleware:
    """Keeps ``last_seen_at`` fresh (P-40/P-43) with at most one write per user per day."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_touch_last_seen(user=user)
        return response


class StaffSessionMiddleware:
    """Staff sessions end sooner than customers': STAFF_SESSION_MAX_AGE after sign-in, or
    STAFF_SESSION_IDLE_TIMEOUT after the last request, whichever comes first.

    A staff session reaches every customer's data, so a forgotten one is worth more to whoever
    finds it; customers keep SESSION_COOKIE_AGE. The times are kept in the session (server
    side) and checked on every request; the session's own expiry follows them, so the cookie
    and the stored session lapse too. Runs after AuthenticationMiddleware.
    """

    STARTED = "staff_session_started_at"
    LAST_SEEN = "staff_session_last_seen_at"
    # The last-seen time is written at most this often, not on every request.
    RESOLUTION = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        session = request.session
        now = int(time.time())
        started = session.setdefault(self.STARTED, now)
        last_seen = session.get(self.LAST_SEEN, now)
        max_age = settings.STAFF_SESSION_MAX_AGE
        idle = settings.STAFF_SESSION_IDLE_TIMEOUT
        if now - started >= max_age or now - last_seen >= idle:
            # The request goes on signed out: staff pages send it to sign in again.
            logout(request)
            return
        if self.LAST_SEEN not in session or now - last_seen >= self.RESOLUTION:
            session[self.LAST_SEEN] = now
            session.set_expiry(max(1, min(idle, started + max_age - now)))
