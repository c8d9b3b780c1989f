from django.urls import path

from apps.subject_requests import views, views_public

app_name = "subject_requests"

# notifications.py reverses "list", "status" and "confirm" for the emails' links.
urlpatterns = [
    # Your Account → Your requests (signed in).
    path("account/requests/", views.request_list, name="list"),
    path("account/requests/new/", views.request_new, name="new"),
    path("account/requests/new/<slug:request_type>/", views.request_new_type, name="new_type"),
    path("account/requests/<uuid:reference>/", views.request_detail, name="detail"),
    path("account/requests/<uuid:reference>/filed/", views.request_filed, name="filed"),
    path("account/requests/<uuid:reference>/message/", views.request_message, name="message"),
    path("account/requests/<uuid:reference>/withdraw/", views.request_withdraw, name="withdraw"),
    # Public: people without an account (or locked out), and Facebook.
    path("privacy-request/", views_public.public_request, name="public_new"),
    path("privacy-request/sent/", views_public.public_request_sent, name="public_sent"),
    path("requests/<uuid:reference>/status/", views_public.request_status, name="status"),
    path("requests/<uuid:reference>/confirm/", views_public.request_confirm, name="confirm"),
    path("facebook/data-deletion/", views_public.facebook_data_deletion, name="facebook_data_deletion"),
]
