"""The page that shows a new webhook secret, the one time it is ever shown (a system's in
apps/systems, an API subscription's in apps/api): kept by no cache, no back-button copy and no
message cookie, only on the officer's screen."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _


def secret_shown_once(
    request: HttpRequest, model_admin, *, owner: object, secret: str, back_url: str, back_label: str
) -> TemplateResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("The new secret of %(system)s") % {"system": owner},
        "owner": owner,
        "secret": secret,
        "back_url": back_url,
        "back_label": back_label,
    }
    response = TemplateResponse(request, "admin/webhook_secret.html", context)
    patch_cache_control(response, no_store=True, no_cache=True, must_revalidate=True, private=True)
    return response
