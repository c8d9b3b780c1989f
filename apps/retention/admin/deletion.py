"""Account deletions (P-32), read-only: customers' requests and what became of them.

A deletion is written only by the customer (asking, or cancelling by signing in:
``services/deletion.py``) and by the purge that carries it out. Staff who may not see
customers see the pseudonymous subject reference.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy

from apps.core.admin import ObjectIdAdminMixin, ReadOnlyAdmin
from apps.retention.admin.holds import SEE_SUBJECT_PERMISSION
from apps.retention.models import AccountDeletion


@admin.register(AccountDeletion)
class AccountDeletionAdmin(ObjectIdAdminMixin, ReadOnlyAdmin):
    list_display = (
        "short_reference",
        "subject_display",
        "status",
        "erase_after",
        "created_at",
        "cancelled_at",
        "finished_at",
    )
    list_filter = ("status",)
    list_select_related = ("subject",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    list_per_page = 50
    record_fields = (
        "reference",
        "subject_display",
        "subject_reference",
        "status",
        "erase_after",
        "language",
        "created_at",
        "cancelled_at",
        "finished_at",
        "erasure_reference",
    )

    def sees_subject(self, request) -> bool:
        return request.user.has_perm(SEE_SUBJECT_PERMISSION)

    def get_list_display(self, request):
        if self.sees_subject(request):
            return self.list_display
        return tuple("subject_reference_short" if n == "subject_display" else n for n in self.list_display)

    def get_fields(self, request, obj=None):
        if self.sees_subject(request):
            return self.record_fields
        return tuple(n for n in self.record_fields if n != "subject_display")

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def get_search_fields(self, request):
        base = ("=reference", "subject_reference", "erasure_reference")
        return ("subject__email", *base) if self.sees_subject(request) else base

    @admin.display(description=gettext_lazy("deletion"), ordering="reference")
    def short_reference(self, obj: AccountDeletion) -> str:
        return str(obj.reference)[:8]

    @admin.display(description=gettext_lazy("subject"), ordering="subject__email")
    def subject_display(self, obj: AccountDeletion) -> str:
        if obj.subject is None:
            return "—"
        return obj.subject.email

    @admin.display(description=gettext_lazy("subject reference"), ordering="subject_reference")
    def subject_reference_short(self, obj: AccountDeletion) -> str:
        return obj.subject_reference[:16]
