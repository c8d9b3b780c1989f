from django.urls import path

from apps.accounts import views

app_name = "accounts"

urlpatterns = [
    path("account/", views.overview, name="overview"),
    path("account/details/", views.details, name="details"),
    path("account/details/picture/", views.picture_edit, name="picture_edit"),
    path("account/details/<slug:key>/", views.detail_edit, name="detail_edit"),
    path("account/picture/", views.own_picture, name="own_picture"),
    path("account/security/", views.security, name="security"),
    path("account/public-profile/", views.public_profile_edit, name="public_profile_edit"),
    path("u/<slug:handle>/", views.public_profile, name="public_profile"),
    path("u/<slug:handle>/avatar/", views.public_avatar, name="public_avatar"),
    path("language/", views.language_switch, name="language_switch"),
]
