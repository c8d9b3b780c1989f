"""Your Account → Your data in our service: each kind the service holds, with its own page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.core.http import AuthenticatedHttpRequest
from apps.service_data.selectors.overview import service_data_summary


@login_required
@require_GET
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "service_data/overview.html", {"kinds": service_data_summary(owner=request.user)})
