"""simple-history's pages on a tracked model's admin ("History" and each version "as it was").

simple-history, with SIMPLE_HISTORY_ENFORCE_HISTORY_MODEL_PERMISSIONS, opens these pages to
whoever holds the history model's view permission, and its version page saves whatever is
posted to it (a "revert") without asking for any change permission. Here they are read-only
and follow the live record's rules: they show the live record as it was, so only someone who
may see the live record sees them (the Auditor reads history through the history admins,
which apply the field-level view rule, never through these pages).

Every admin of a tracked model uses ``TrackedModelAdmin`` instead of ``SimpleHistoryAdmin``
(tests/core/test_history_admin.py checks the site).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class TrackedModelAdmin(SimpleHistoryAdmin):
    def has_view_history_permission(self, request, obj=None) -> bool:
        return super().has_view_history_permission(request, obj) and self.has_view_permission(request, obj)

    def has_change_history_permission(self, request, obj=None) -> bool:
        # History is a record: nobody reverts a version from here; a change goes through
        # the live record's own form or service, which records who made it and why.
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
