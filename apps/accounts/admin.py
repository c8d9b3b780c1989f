from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from apps.accounts.models import LoginEvent, Organisation, PublicProfile, User
from apps.accounts.services import organisation_update
from apps.core.admin import CountryInUseFilter, HistoryRecordAdmin, ReadOnlyAdmin


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
        "legal_holds",
        "processing_restrictions",
        "open_subject_requests",
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
    # Adds the "Request access to content…" object tool (P-24).
    change_form_template = "admin/disclosures/access/user_change_form.html"

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        # The subject's active legal holds (P-42), for staff who may see holds.
        if obj is not None and request.user.has_perm("retention.view_legalhold"):
            fieldsets = (*fieldsets, (_("Legal holds (P-42)"), {"fields": ("legal_holds",)}))
        # Restrictions every processing selector honours, and the person's open requests (P-30).
        if obj is not None and request.user.has_perm("consent.view_processingrestriction"):
            fieldsets = (*fieldsets, (_("Processing restrictions"), {"fields": ("processing_restrictions",)}))
        if obj is not None and request.user.has_perm("subject_requests.view_subjectrequest"):
            fieldsets = (*fieldsets, (_("Subject requests"), {"fields": ("open_subject_requests",)}))
        return fieldsets

    @admin.display(description=_("restrictions in force"))
    def processing_restrictions(self, obj: User) -> str:
        from apps.consent.models import ProcessingRestriction

        restrictions = list(
            ProcessingRestriction.objects.filter(subject=obj, lifted_at__isnull=True).prefetch_related("purposes")
        )
        if not restrictions:
            return _("None.")
        return format_html_join(
            "",
            '<li><a href="{}">{}</a>: {} ({})</li>',
            (
                (
                    reverse("admin:consent_processingrestriction_change", args=[r.pk]),
                    f"{r.created_at:%Y-%m-%d}",
                    ", ".join(p.code for p in r.purposes.all()) or _("all processing"),
                    r.reason,
                )
                for r in restrictions
            ),
        )

    @admin.display(description=_("open requests"))
    def open_subject_requests(self, obj: User) -> str:
        from apps.subject_requests.models import SubjectRequest

        requests = SubjectRequest.objects.filter(subject=obj, status__in=SubjectRequest.OPEN_STATUSES)
        if not requests:
            return _("None.")
        return format_html_join(
            "",
            '<li><a href="{}">{}</a>: {}, {}</li>',
            (
                (
                    reverse("admin:subject_requests_subjectrequest_change", args=[r.pk]),
                    r.short_reference,
                    r.get_request_type_display(),
                    r.get_status_display(),
                )
                for r in requests.order_by("received_at")
            ),
        )

    @admin.display(description=_("active legal holds"))
    def legal_holds(self, obj: User) -> str:
        from apps.retention.admin import active_holds_summary

        return active_holds_summary(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Every staff look at someone else's record is logged for auditors and the customer (P-25)."""
        from apps.disclosures.domain import REQUEST_PERMISSION
        from apps.disclosures.models import StaffAccessEvent
        from apps.disclosures.services.access import staff_access_log

        response = super().change_view(request, object_id, form_url, extra_context)
        subject = (getattr(response, "context_data", None) or {}).get("original")
        # GET only (a save is not a look); a staff member's own record is not a customer's.
        if request.method == "GET" and response.status_code == 200 and subject and subject.pk != request.user.pk:
            staff_access_log(
                staff=request.user, customer=subject, kind=StaffAccessEvent.Kind.RECORD_VIEW, path=request.path
            )
            if request.user.has_perm("consent.view_consentevent"):
                response.context_data["consent_evidence_url"] = reverse(
                    "admin:consent_evidence", kwargs={"reference": subject.reference}
                )
            if request.user.has_perm(REQUEST_PERMISSION):
                response.context_data["access_request_url"] = reverse(
                    "admin:disclosures_staff_content", kwargs={"reference": subject.reference}
                )
        return response

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
