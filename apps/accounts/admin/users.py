"""The customer and staff account pages: the subject page with every app's panels and tools,
erasure, staff access (roles and superuser, superusers only), and the accounts' history."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.accounts.admin.subject import SubjectPageMixin
from apps.accounts.domain import StaffAccess
from apps.accounts.forms import StaffAccessForm
from apps.accounts.models import LoginEvent, PublicProfile, User
from apps.accounts.selectors import staff_access_of
from apps.accounts.services import user_staff_access_change
from apps.core.admin import (
    CountryInUseFilter,
    HistoryRecordAdmin,
    TrackedModelAdmin,
    is_object_id,
    subject_looked_at,
    subject_panels,
    subject_tools,
)
from apps.core.admin.reauthentication import fresh_second_factor_required
from apps.core.models import reference_prefix_range


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
        # This person's latest 20 only: the full list is on the Login events page. The formset
        # narrows the queryset to the person after this, and a sliced queryset cannot be
        # narrowed, so the person is read from the URL here (the (user, time) index answers);
        # the latest 20 of everyone's sign-ins were mostly other people's.
        queryset = super().get_queryset(request)
        match = getattr(request, "resolver_match", None)
        object_id = str(match.kwargs.get("object_id", "")) if match else ""
        if not is_object_id(object_id):
            return queryset.none()
        ids = list(queryset.filter(user_id=int(object_id)).order_by("-occurred_at").values_list("id", flat=True)[:20])
        return queryset.filter(id__in=ids)


class AccountCountryFilter(CountryInUseFilter):
    by_probes = True  # a million accounts; accounts_user_country_idx leads with the country


class PublicProfileInline(admin.StackedInline):
    model = PublicProfile
    extra = 0
    can_delete = False


@admin.register(User)
class UserAdmin(SubjectPageMixin, TrackedModelAdmin, DjangoUserAdmin):
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
    list_filter = ("status", "is_staff", "preferred_language", AccountCountryFilter, "groups")
    search_fields = ("email", "full_name", "phone", "reference")  # get_search_results does the matching
    search_help_text = _(
        "The start of an email address or of a name, a whole phone number, or a reference (its first characters)."
    )
    date_hierarchy = "date_joined"
    readonly_fields = (
        "reference",
        "date_joined",
        "last_login",
        "last_seen_at",
        "closed_at",
        # Staff access is never edited in this form, by anyone: a role or superuser change is
        # its own audited step for superusers (staff_access_view), and staff status is given
        # only when a superuser adds a staff account.
        "is_staff",
        "is_superuser",
        "groups",
        "user_permissions",
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
    # Roles are given once the account exists, on its own page (staff_access_view).
    staff_add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2", "is_staff")}),
    )
    actions = ["erase_personal_data"]
    # Other apps' panels and object tools (apps.core.admin, subject panels).
    change_form_template = "admin/accounts/user/change_form.html"

    def get_search_results(self, request, queryset, search_term):
        """Matches an index can find at a million customers: the start of the address (stored in
        lower case) or of the name, the whole phone number, the start of the reference. A
        "contains" search would read every account."""
        term = search_term.strip()
        if not term:
            return queryset, False
        condition = Q(email__startswith=term.lower()) | Q(full_name__istartswith=term) | Q(phone=term)
        references = reference_prefix_range(term)
        if references is not None:
            condition |= Q(reference__range=references)
        return queryset.filter(condition), False

    def get_fieldsets(self, request, obj=None):
        # Only a superuser opens a staff account, and only as a new account: an existing
        # customer account never becomes staff here.
        if obj is None and request.user.is_superuser:
            return self.staff_add_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # The add form has no staff-access fields but the superuser's "staff account" box.
        if obj is None:
            return ()
        # Whoever sets an account's address can reset its password: the customer changes it
        # themself, verified, in Your Account; only a superuser corrects it here.
        return self.readonly_fields if request.user.is_superuser else (*self.readonly_fields, "email")

    def has_change_permission(self, request, obj=None) -> bool:
        # A staff account (its email, its password) is changed here by superusers only: an
        # officer who could set another staff member's password or address could act as them.
        if obj is not None and (obj.is_staff or obj.is_superuser) and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and (obj.is_staff or obj.is_superuser) and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/staff-access/",
                self.admin_site.admin_view(self.staff_access_view),
                name="accounts_user_staff_access",
            ),
            *super().get_urls(),
        ]

    # Superusers only are asked (the view refuses everyone else with a 403 first).
    @fresh_second_factor_required(when=lambda self, request, object_id: request.user.is_superuser)
    def staff_access_view(self, request, object_id):
        """Change a staff account's role and superuser status: superusers only, after a
        confirmation page, with a reason recorded in the account's history (issue 13, finding 8).

        One view for the whole step (form, confirmation, change), behind a fresh second
        factor like the admin's other irreversible operations. A customer account (no staff
        status) is refused.
        """
        if not request.user.is_superuser:
            raise PermissionDenied
        if not is_object_id(object_id):
            raise Http404
        subject = get_object_or_404(User, pk=object_id)
        current = staff_access_of(subject)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change staff access"),
            "subject": subject,
            "current": current,
            "opts": self.model._meta,
            "change_url": reverse("admin:accounts_user_change", args=[subject.pk]),
        }
        posted = request.method == "POST"

        def page(status: int = 200, **extra):
            context.update(extra)
            return TemplateResponse(request, "admin/accounts/user/staff_access.html", context, status=status)

        if not subject.is_staff:
            refusal = _("This is a customer account: it cannot be given a staff role or superuser status.")
            return page(400 if posted else 200, refusal=f"{refusal} {_('Nothing was changed.')}")
        if subject.pk == request.user.pk:
            return page(400 if posted else 200, refusal=_("Another superuser changes your own access."))
        if not posted:
            return page(form=StaffAccessForm(initial={"role": current.role, "is_superuser": current.is_superuser}))
        form = StaffAccessForm(request.POST)
        if not form.is_valid():
            return page(400, form=form)
        wanted = StaffAccess(role=form.cleaned_data["role"], is_superuser=form.cleaned_data["is_superuser"])
        if request.POST.get("confirm") != "yes":
            return page(form=form, wanted=wanted, confirming=True)
        try:
            user_staff_access_change(
                user=subject,
                actor=request.user,
                role=wanted.role,
                is_superuser=wanted.is_superuser,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            return page(400, form=form, refusal=" ".join(error.messages))
        self.log_change(request, subject, f"Staff access: {current.describe()} -> {wanted.describe()}")
        self.message_user(request, _("Staff access changed; the account's history records it."))
        return HttpResponseRedirect(context["change_url"])

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
            response.context_data["subject_actions"] = self.subject_actions(request, subject)
            # A person, not "Change user": their name (or address) heads the page.
            response.context_data["title"] = subject.full_name or subject.email
        may_change_access = request.user.is_superuser and subject and subject.is_staff and subject.pk != request.user.pk
        if request.method == "GET" and response.status_code == 200 and may_change_access:
            response.context_data["staff_access_url"] = reverse("admin:accounts_user_staff_access", args=[subject.pk])
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
    @fresh_second_factor_required
    def erase_personal_data(self, request, queryset):
        """Erase the chosen customers through the engine, after a confirmation page with the plan."""
        from apps.personal_data.erasure.plan import erasure_plan
        from apps.personal_data.erasure.run import erasure_start
        from apps.personal_data.selectors.certificate import certificate_summary

        staff = [user for user in queryset if user.is_staff]
        if staff:
            self.message_user(
                request, _("Staff accounts are not erased from here; remove their staff status first."), messages.ERROR
            )
            return None
        reason = request.POST.get("reason", "").strip()
        if request.POST.get("confirm") == "yes" and reason:
            runs = [erasure_start(subject=user, actor=request.user, reason=reason[:200]) for user in queryset]
            text = ngettext(
                "Erasure queued for %(count)d person. Its certificate:",
                "Erasures queued for %(count)d people. Their certificates:",
                len(runs),
            ) % {"count": len(runs)}
            links = format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                ((reverse("admin:personal_data_erasurerun_certificate", args=[run.pk]), str(run.reference)[:8])
                 for run in runs),
            )  # fmt: skip
            self.message_user(request, format_html("{} {}", text, links), messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Erase personal data"),
            # In words, as the certificate will read (what goes, what stays and why): never table names.
            "plans": [(user, certificate_summary({"plan": erasure_plan(subject=user)})) for user in queryset],
            "queryset": queryset,
            "reason": reason,
            "missing_reason": request.POST.get("confirm") == "yes" and not reason,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/accounts/user/erase_confirmation.html", context)


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
