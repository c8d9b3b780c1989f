"""Customer and public pages of subject requests (being built)."""

from django.http import Http404, HttpRequest, HttpResponse


def request_list(request: HttpRequest) -> HttpResponse:
    raise Http404


def request_status(request: HttpRequest, reference) -> HttpResponse:
    raise Http404


def request_confirm(request: HttpRequest, reference) -> HttpResponse:
    raise Http404
