"""Your Account pages: conversations with support (list and one conversation)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from apps.core.http import AuthenticatedHttpRequest
from apps.service_data.selectors.support import (
    support_communication_get_for_customer,
    support_communications_for_customer,
)

PER_PAGE = 25


@login_required
@require_GET
def support(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(support_communications_for_customer(customer=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "service_data/support.html", {"page": page})


@login_required
@require_GET
def support_detail(request: AuthenticatedHttpRequest, reference) -> HttpResponse:
    communication = support_communication_get_for_customer(reference=reference, customer=request.user)
    return render(request, "service_data/support_detail.html", {"communication": communication})


urlpatterns: list[URLPattern] = [
    path("account/service/support/", support, name="support"),
    path("account/service/support/<uuid:reference>/", support_detail, name="support_detail"),
]
