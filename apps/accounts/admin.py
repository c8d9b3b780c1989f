from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from allauth.socialaccount.admin import SocialAppAdmin as AllauthSocialAppAdmin
from allauth.socialaccount.admin import SocialTokenAdmin as AllauthSocialTokenAdmin
from allauth.socialaccount.models import SocialApp, SocialToken
from allauth.usersessions.admin import UserSessionAdmin as AllauthUserSessionAdmin
from allauth.usersessions.models import UserSession
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from apps.accounts.models import LoginEvent, Organisation, PublicProfile, User
from apps.accounts.services import organisation_update
from apps.core.admin import (
    CountryInUseFilter,
    HistoryRecordAdmin,
    ReadOnlyAdmin,
    subject_looked_at,
    subject_panels,
    subject_tools,
)


class LoginEventInline(admin.TabularInline):
    model = LoginEvent
    extra = 0
    max_num = 0
    can_delete = False
    fields = ("occurred_at", "method", "succeeded", "ip_address", "device", "browser", "operating_system")
    readonly_fields = fields
    ordering = ("-occurred_at",)
    verbose_name_plural = _("Recent login history")

    def get_queryset(self, request):
        # Latest 20 only: the full list is on the Login events page.
        queryset = super().get_queryset(request)
        ids = list(queryset.order_by("-occurred_at").values_list("id", flat=True)[:20])
        return queryset.filter(id__in=ids)


class PublicProfileInline(admin.StackedInline):
    model = PublicProfile
    extra = 0
    can_delete = False


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    ordering = ("-date_joined",)
    list_display = (
        "email",
        "full_name",
        "status",
        "country",
        "preferred_language",
        "date_joined",
        "last_seen_at",
        "is_staff",
    )
    list_filter = ("status", "is_staff", "preferred_language", CountryInUseFilter, "groups")
    search_fields = ("email", "full_name", "phone", "reference")
    date_hierarchy = "date_joined"
    readonly_fields = (
        "reference",
        "date_joined",
        "last_login",
        "last_seen_at",
        "closed_at",
    )
    list_per_page = 50
    inlines = [PublicProfileInline, LoginEventInline]
    fieldsets = (
        (None, {"fields": ("reference", "email", "password")}),
        (
            _("Personal details (P-01)"),
            {
                "fields": (
                    "full_name",
                    "phone",
                    "mailing_address",
                    "profile_picture",
                    "country",
                    "preferred_language",
                )
            },
        ),
        (_("Account"), {"fields": ("status", "closed_at", "date_joined", "last_login", "last_seen_at")}),
        (
            _("Staff access (P-25)"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    actions = ["erase_personal_data"]
    # Other apps' panels and object tools (apps.core.admin, subject panels).
    change_form_template = "admin/accounts/user/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The page of a person: what every app knows about them (apps.core.admin's subject
        panels and tools), and every staff look at someone else's record is logged (P-25)."""
        response = super().change_view(request, object_id, form_url, extra_context)
        subject = (getattr(response, "context_data", None) or {}).get("original")
        # GET only (a save is not a look); a staff member's own record is not a customer's.
        if request.method == "GET" and response.status_code == 200 and subject and subject.pk != request.user.pk:
            subject_looked_at(request, subject)
            response.context_data["subject_panels"] = subject_panels(request, subject)
            response.context_data["subject_tools"] = subject_tools(request, subject)
        return response

    def user_change_password(self, request, id, form_url=""):
        # Setting someone's password is signing in as them (a customer has no second factor):
        # superusers only. People change or reset their own through allauth's pages.
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def has_erase_permission(self, request) -> bool:
        return request.user.has_perm("personal_data.run_erasure")

    @admin.action(description=_("Erase personal data…"), permissions=["erase"])
    def erase_personal_data(self, request, queryset):
        """Erase the chosen customers through the engine, after a confirmation page with the plan."""
        from apps.personal_data.erasure.plan import erasure_plan
        from apps.personal_data.erasure.run import erasure_start

        staff = [user for user in queryset if user.is_staff]
        if staff:
            self.message_user(
                request, _("Staff accounts are not erased from here; remove their staff status first."), messages.ERROR
            )
            return None
        reason = request.POST.get("reason", "").strip()
        if request.POST.get("confirm") == "yes" and reason:
            runs = [erasure_start(subject=user, actor=request.user, reason=reason[:200]) for user in queryset]
            self.message_user(
                request,
                ngettext(
                    "Erasure queued for %(count)d person. Its certificate appears under Personal data › Erasures.",
                    "Erasures queued for %(count)d people. Their certificates appear under Personal data › Erasures.",
                    len(runs),
                )
                % {"count": len(runs)},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Erase personal data"),
            "plans": [(user, erasure_plan(subject=user)) for user in queryset],
            "queryset": queryset,
            "reason": reason,
            "missing_reason": request.POST.get("confirm") == "yes" and not reason,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/accounts/user/erase_confirmation.html", context)


@admin.register(LoginEvent)
class LoginEventAdmin(ReadOnlyAdmin):
    list_display = (
        "occurred_at",
        "user",
        "method",
        "succeeded",
        "ip_address",
        "device",
        "browser",
        "operating_system",
    )
    list_filter = ("succeeded", "method", "device")
    search_fields = ("user__email", "ip_address")
    date_hierarchy = "occurred_at"
    list_select_related = ("user",)
    list_per_page = 100
    show_full_result_count = False


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "company_number", "contact_email", "dpo_email")

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not Organisation.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        # Through the service, so the cached footer identity is refreshed and the actor recorded.
        saved = organisation_update(actor=request.user, **{name: form.cleaned_data[name] for name in form.fields})
        obj.pk = saved.pk

    def changelist_view(self, request, extra_context=None):
        # One data controller: the list is just a way to its single page.
        organisation = Organisation.objects.first()
        if organisation is not None:
            return HttpResponseRedirect(reverse("admin:accounts_organisation_change", args=[organisation.pk]))
        return super().changelist_view(request, extra_context)


@admin.register(User.history.model)
class UserHistoryAdmin(HistoryRecordAdmin):
    # HistoryRecordAdmin (apps.core) leaves its list_display and search_fields to inference, as fixed-length tuples.
    list_display = (
        "history_date",
        "history_type",
        "history_user",
        "history_change_reason",
        "email",
        "status",
    )
    search_fields = ("email", "history_change_reason")


@admin.register(PublicProfile.history.model)
class PublicProfileHistoryAdmin(HistoryRecordAdmin):
    pass


@admin.register(Organisation.history.model)
class OrganisationHistoryAdmin(HistoryRecordAdmin):
    pass


# --- allauth's admins, re-registered: least privilege, and no secret on any page ------------------


class EmailAddressAdmin(AllauthEmailAddressAdmin):
    """allauth's, but marking an address verified is a change: the Support agent only reads them."""

    @admin.action(permissions=["change"], description=_("Mark selected email addresses as verified"))
    def make_verified(self, request, queryset) -> None:
        super().make_verified(request, queryset)


class AuthenticatorAdmin(AllauthAuthenticatorAdmin):
    """Who has which second factor, for officers; never its secret or recovery codes (``data``,
    kept unencrypted), which would let the reader pass as that person's second factor. Set up
    by the person themself; deleting one resets it."""

    exclude = ("data",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class SocialAppAdmin(AllauthSocialAppAdmin):
    """The provider's client secret only for those who may change the app (superusers)."""

    def get_exclude(self, request, obj=None):
        return None if self.has_change_permission(request, obj) else ("secret",)


class SocialTokenAdmin(AllauthSocialTokenAdmin):
    """Which accounts hold a provider's token, and until when; never the token. Tokens come
    from sign-ins only; deleting one revokes the portal's copy."""

    list_display = ("app", "account", "expires_at")
    exclude = ("token", "token_secret")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class UserSessionAdmin(AllauthUserSessionAdmin):
    """Who is signed in where, for officers. The session key is the session's cookie: kept off
    the page (allauth's field is not editable, so it shows nowhere today), with the session data."""

    exclude = ("session_key", "data")
    search_fields = ["user__email", "ip"]  # allauth's names user__username, which this User lacks

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


for model, model_admin in (
    (EmailAddress, EmailAddressAdmin),
    (Authenticator, AuthenticatorAdmin),
    (SocialApp, SocialAppAdmin),
    (SocialToken, SocialTokenAdmin),
    (UserSession, UserSessionAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
