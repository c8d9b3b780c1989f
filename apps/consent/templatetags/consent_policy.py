"""``{% policy_banner_version as version %}``: the changed policy the signed-in customer has not yet
acknowledged (templates/consent/_policy_banner.html, on every page)."""

from __future__ import annotations

from django import template

from apps.consent.selectors.policy import policy_banner_for

register = template.Library()

_UNSET = object()


@register.simple_tag(takes_context=True)
def policy_banner_version(context):
    request = context.get("request")
    if request is None:
        return None
    # Once per request, however many times a page includes the banner.
    version = getattr(request, "_consent_policy_banner", _UNSET)
    if version is _UNSET:
        version = policy_banner_for(getattr(request, "user", None))
        request._consent_policy_banner = version
    return version
