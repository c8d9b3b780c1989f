from django.urls import path

from apps.api.views import api
from apps.api.views.token import person_token

# A path under /api/ that matches nothing is answered 404 in problem details by apps.api.middleware.
urlpatterns = [
    path("api/v1/", api.urls),
    path("account/app-token/", person_token, name="api_person_token"),
]
