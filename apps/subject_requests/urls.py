from django.urls import path

from apps.subject_requests.views import facebook, public, requests

app_name = "subject_requests"

# The emails (services/requests.py, services/public.py) reverse "list", "status" and "confirm" for their links.
urlpatterns = [
    # Your Account → Your requests (signed in).
    path("account/requests/", requests.request_list, name="list"),
    path("account/requests/new/", requests.request_new, name="new"),
    path("account/requests/new/<slug:request_type>/", requests.request_new_type, name="new_type"),
    path("account/requests/<uuid:reference>/", requests.request_detail, name="detail"),
    path("account/requests/<uuid:reference>/filed/", requests.request_filed, name="filed"),
    path("account/requests/<uuid:reference>/message/", requests.request_message, name="message"),
    path("account/requests/<uuid:reference>/withdraw/", requests.request_withdraw, name="withdraw"),
    # Public: people without an account (or locked out), and Facebook.
    path("privacy-request/", public.public_request, name="public_new"),
    path("privacy-request/sent/", public.public_request_sent, name="public_sent"),
    path("requests/<uuid:reference>/status/", public.request_status, name="status"),
    path("requests/<uuid:reference>/confirm/", public.request_confirm, name="confirm"),
    path("facebook/data-deletion/", facebook.facebook_data_deletion, name="facebook_data_deletion"),
]
