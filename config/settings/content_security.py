"""The Content-Security-Policy every page carries (django-csp), built from the configured
sign-in providers by config/settings/base.py."""

from csp.constants import NONCE

# Where a sign-in form may send the browser: allauth answers the social sign-in POST with a
# redirect to the provider, and browsers check form-action on that redirect too.
SOCIAL_SIGN_IN_ORIGINS = {"google": "https://accounts.google.com", "facebook": "https://www.facebook.com"}


def content_security_policy(providers: dict) -> dict:
    """The policy of every page (django-csp): our own origin only, no inline script.

    Styles allow 'unsafe-inline': the Django admin's change list writes a <style> element,
    django-simple-history's and our admin pages use style attributes, and a nonce cannot
    cover an attribute (with a nonce present browsers would ignore 'unsafe-inline').
    Scripts take a nonce (``request.csp_nonce``) for the rare page that needs one inline.
    Images allow data: for the QR code allauth draws when staff set up their authenticator.
    """
    return {
        "DIRECTIVES": {
            "default-src": ["'self'"],
            "script-src": ["'self'", NONCE],
            "style-src": ["'self'", "'unsafe-inline'"],
            "img-src": ["'self'", "data:"],
            "object-src": ["'none'"],
            "base-uri": ["'self'"],
            "frame-ancestors": ["'none'"],
            "form-action": ["'self'", *(SOCIAL_SIGN_IN_ORIGINS[p] for p in providers if p in SOCIAL_SIGN_IN_ORIGINS)],
        }
    }
