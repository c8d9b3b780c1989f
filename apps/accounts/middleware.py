from django.utils import translation

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
