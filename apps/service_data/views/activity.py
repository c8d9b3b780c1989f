"""Your Account pages: location (list, delete all), product settings, feature usage and calls."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from apps.core.http import AuthenticatedHttpRequest
from apps.service_data.models import OptionalKind
from apps.service_data.selectors.activity import (
    calls_for_owner,
    kind_refused,
    locations_for_owner,
    product_configuration_get,
    usage_for_owner,
)
from apps.service_data.services.activity import location_delete_all

PER_PAGE = 25


def _page(request: AuthenticatedHttpRequest, rows):
    # Paginator.get_page answers a bad or out-of-range ?page= with a valid page, never a 500.
    return Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))


@login_required
@require_GET
def location(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "page": _page(request, locations_for_owner(owner=request.user)),
        "refused": kind_refused(owner=request.user, kind=OptionalKind.LOCATION),
    }
    return render(request, "service_data/location.html", context)


@login_required
@require_POST
def location_delete(request: AuthenticatedHttpRequest) -> HttpResponse:
    deleted = location_delete_all(owner=request.user, actor=request.user)
    messages.success(
        request,
        ngettext("%(count)d location record deleted.", "%(count)d location records deleted.", deleted)
        % {"count": deleted},
    )
    return redirect("service_data:location")


@login_required
@require_GET
def product_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    settings = sorted(product_configuration_get(owner=request.user).items())
    return render(request, "service_data/product_settings.html", {"settings": settings})


@login_required
@require_GET
def usage(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "service_data/usage.html", {"page": _page(request, usage_for_owner(owner=request.user))})


@login_required
@require_GET
def calls(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "service_data/calls.html", {"page": _page(request, calls_for_owner(owner=request.user))})


urlpatterns: list[URLPattern] = [
    path("account/service/location/", location, name="location"),
    path("account/service/location/delete/", location_delete, name="location_delete_all"),
    path("account/service/settings/", product_settings, name="product_settings"),
    path("account/service/usage/", usage, name="usage"),
    path("account/service/calls/", calls, name="calls"),
]
