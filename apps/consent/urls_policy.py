"""Privacy policy pages (P-16); included by apps.consent.urls under the "consent" namespace."""

from django.urls import path

from apps.consent import views_policy

urlpatterns = [
    path("privacy-policy/", views_policy.policy_current, name="policy_current"),
    # Before the version page: "versions" is a reserved version name (see apps.consent.policies).
    path("privacy-policy/versions/", views_policy.policy_versions, name="policy_versions"),
    path("privacy-policy/<str:version>/", views_policy.policy_version, name="policy_version"),
    path("privacy-policy/<str:version>/acknowledge/", views_policy.policy_acknowledge, name="policy_acknowledge"),
]
