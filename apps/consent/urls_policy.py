from django.http import HttpResponse
from django.urls import path


def policy_current(request):  # placeholder until the policy pages land
    return HttpResponse("Privacy policy")


urlpatterns = [path("privacy-policy/", policy_current, name="policy_current")]
