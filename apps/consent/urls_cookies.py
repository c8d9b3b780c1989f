from django.http import HttpResponse
from django.urls import path


def cookie_settings(request):  # placeholder until the cookie pages land
    return HttpResponse("Cookie settings")


urlpatterns = [path("cookies/", cookie_settings, name="cookie_settings")]
