"""Every public page of the consent app, under the "consent" namespace (one module of views per sub-domain)."""

from django.urls import path

from apps.consent.views import cookies, ledger, marketing, policy

app_name = "consent"

urlpatterns = [
    # Your Account → Privacy choices and their history (P-10, P-11).
    path("account/privacy-choices/", ledger.choices, name="choices"),
    path("account/privacy-choices/history/", ledger.choice_history, name="choice_history"),
    # Cookie banner and settings, and the Global Privacy Control statement (P-13).
    path("cookies/", cookies.cookie_settings, name="cookie_settings"),
    path("cookies/choose/", cookies.cookie_choose, name="cookie_choose"),
    path(".well-known/gpc.json", cookies.gpc_json, name="gpc_json"),
    # Privacy policy pages (P-16). Before the version page: "versions" is a reserved version name
    # (apps.consent.domain.policy.RESERVED_VERSION_NAMES).
    path("privacy-policy/", policy.policy_current, name="policy_current"),
    path("privacy-policy/versions/", policy.policy_versions, name="policy_versions"),
    path("privacy-policy/<str:version>/", policy.policy_version, name="policy_version"),
    path("privacy-policy/<str:version>/acknowledge/", policy.policy_acknowledge, name="policy_acknowledge"),
    # The link and the RFC 8058 one-click address in every marketing email (P-11, P-12).
    path("unsubscribe/<str:token>/", marketing.unsubscribe, name="unsubscribe"),
]
