"""The portal's URLs plus one empty view: the floor of a request through the same middleware."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as portal_urlpatterns


def empty(request):
    return HttpResponse(b"", content_type="application/json")


urlpatterns = [path("floor/empty", empty), *portal_urlpatterns]
