"""Purge runs, read-only: what the purges did, are doing and would do.

- The purge-run list and each run's page with its per-rule table (a running run's page
  refreshes itself until it finishes).
- "Preview next run": ``purge_preview()`` (the engine, ``apps/retention/purge/``), per rule,
  what a run now would take and what holds keep.
- "Run now…": after a confirmation page, queues the same task beat runs
  (the engine's ``purge_request``); if a run is live, says so instead.
"""

from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.admin import ObjectIdAdminMixin, ReadOnlyAdmin, is_object_id
from apps.core.admin.reauthentication import fresh_second_factor_required
from apps.core.clock import organisation_time
from apps.retention.models import PurgeRun, RetentionRule
from apps.retention.purge.checkpoint import purge_request
from apps.retention.selectors.purge import purge_run_is_stale, purge_run_live

logger = logging.getLogger(__name__)

RUN_PERMISSION = "retention.run_purge"
REFRESH_SECONDS = 5
COUNTS = ("deleted", "anonymised", "erasures", "warned", "held_back")
PREVIEW_COUNTS = ("would_delete", "would_anonymise", "would_erase_accounts", "would_warn", "held_back")


def rule_rows(run: PurgeRun) -> list[dict]:
    """The run's per-rule table: counts, errors and whether each rule is done, in the rules' order."""
    rules = {rule.code: rule for rule in RetentionRule.objects.order_by("order", "code")}
    codes = list(run.progress)
    if run.status == PurgeRun.Status.RUNNING:
        # Rules not reached yet are listed as waiting.
        planned = [run.only_rule] if run.only_rule else [c for c, r in rules.items() if r.enabled]
        codes += [code for code in planned if code not in run.progress]
    order = {code: index for index, code in enumerate(rules)}
    rows = []
    for code in sorted(codes, key=lambda c: order.get(c, len(order))):
        state = run.progress.get(code)
        if state is None:
            step = _("waiting")
        elif state.get("done"):
            step = _("done")
        else:
            step = _("in progress") if run.status == PurgeRun.Status.RUNNING else _("stopped")
        rule = rules.get(code)
        rows.append(
            {
                "code": code,
                "rule": rule,
                "state": step,
                "done": bool(state and state.get("done")),
                "counts": [int((state or {}).get(key, 0)) for key in COUNTS],
                "errors": (state or {}).get("errors", []),
            }
        )
    return rows


@admin.register(PurgeRun)
class PurgeRunAdmin(ObjectIdAdminMixin, ReadOnlyAdmin):
    list_display = (
        "started_at",
        "finished_at",
        "status",
        "triggered_by",
        "actor",
        "only_rule",
        "deleted",
        "anonymised",
        "erasures",
        "warned",
        "held_back",
        "error_count",
    )
    list_filter = ("status", "triggered_by")
    list_select_related = ("actor",)
    search_fields = ("=reference", "only_rule")
    date_hierarchy = "started_at"
    ordering = ("-started_at",)
    list_per_page = 50
    fields = (
        "reference",
        "status",
        "triggered_by",
        "actor",
        "only_rule",
        "as_of",
        "started_at",
        "finished_at",
        "attempts",
        "last_sign_of_life",
    )
    readonly_fields = fields
    change_list_template = "admin/retention/purgerun/change_list.html"
    change_form_template = "admin/retention/purgerun/change_form.html"

    @admin.display(description=gettext_lazy("last sign of life"))
    def last_sign_of_life(self, obj: PurgeRun):
        job = obj.job
        return job.heartbeat_at if job is not None else None

    def _total(self, obj: PurgeRun, key: str) -> int:
        return obj.totals()[key]

    @admin.display(description=gettext_lazy("deleted"))
    def deleted(self, obj: PurgeRun) -> int:
        return self._total(obj, "deleted")

    @admin.display(description=gettext_lazy("anonymised"))
    def anonymised(self, obj: PurgeRun) -> int:
        return self._total(obj, "anonymised")

    @admin.display(description=gettext_lazy("accounts erased"))
    def erasures(self, obj: PurgeRun) -> int:
        return self._total(obj, "erasures")

    @admin.display(description=gettext_lazy("warned"))
    def warned(self, obj: PurgeRun) -> int:
        return self._total(obj, "warned")

    @admin.display(description=gettext_lazy("held back"))
    def held_back(self, obj: PurgeRun) -> int:
        return self._total(obj, "held_back")

    @admin.display(description=gettext_lazy("errors"))
    def error_count(self, obj: PurgeRun) -> str:
        count = len(obj.errors())
        if count:
            return format_html('<strong style="color:#ba2121">{}</strong>', count)
        return "0"

    def _tools(self, request) -> dict:
        return {
            "preview_url": reverse("admin:retention_purgerun_preview"),
            "run_url": reverse("admin:retention_purgerun_run"),
            "can_run": request.user.has_perm(RUN_PERMISSION),
            "live_run": purge_run_live(),
        }

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), **self._tools(request)})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id) if is_object_id(object_id) else None
        extra = {}
        if obj is not None:
            running = obj.status == PurgeRun.Status.RUNNING
            extra = {
                "rule_rows": rule_rows(obj),
                "count_headers": [
                    _("deleted"),
                    _("anonymised"),
                    _("accounts erased"),
                    _("warned"),
                    _("held back"),
                ],
                "totals": [obj.totals()[key] for key in COUNTS],
                "is_running": running,
                "refresh_seconds": REFRESH_SECONDS if running else None,
                "stale": purge_run_is_stale(obj),
            }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def get_urls(self):
        wrap = self.admin_site.admin_view
        # Before the default patterns: "<path:object_id>/" would take "preview/" as an id.
        return [
            path("preview/", wrap(self.preview_view), name="retention_purgerun_preview"),
            path("run/", wrap(self.run_view), name="retention_purgerun_run"),
            *super().get_urls(),
        ]

    def _context(self, request, title: str, **values) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "changelist_url": reverse("admin:retention_purgerun_changelist"),
            **self._tools(request),
            **values,
        }

    def preview_view(self, request):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        if not self.has_view_permission(request):
            raise PermissionDenied
        from apps.retention.purge import purge_preview

        error = ""
        try:
            rows = purge_preview()
        except Exception as exc:  # a broken rule must not hide the page; the officer sees why
            logger.exception("The purge preview failed")
            rows, error = [], f"{type(exc).__name__}: {exc}"
        codes = {rule.code: rule for rule in RetentionRule.objects.filter(code__in=[r["rule"] for r in rows])}
        table = [
            {**row, "rule_obj": codes.get(row["rule"]), "counts": [row[key] for key in PREVIEW_COUNTS]} for row in rows
        ]
        totals = [sum(row[key] for row in rows) for key in PREVIEW_COUNTS]
        context = self._context(
            request,
            _("Preview of the next purge run"),
            rows=table,
            totals=totals,
            error=error,
            now=timezone.now(),
        )
        return TemplateResponse(request, "admin/retention/purgerun/preview.html", context)

    @fresh_second_factor_required
    def run_view(self, request):
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if not request.user.has_perm(RUN_PERMISSION):
            raise PermissionDenied
        if request.method == "POST":
            live = purge_request(actor=request.user)
            if live is not None:
                self.message_user(
                    request,
                    _("A purge run is already running (started %(started)s); nothing new was queued.")
                    % {"started": f"{organisation_time(live.started_at):%Y-%m-%d %H:%M}"},
                    messages.WARNING,
                )
                return HttpResponseRedirect(reverse("admin:retention_purgerun_change", args=[live.pk]))
            self.message_user(
                request,
                _("A purge run is queued. It appears in this list as soon as a worker starts it."),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:retention_purgerun_changelist"))
        context = self._context(request, _("Run the purge now?"))
        return TemplateResponse(request, "admin/retention/purgerun/run_confirm.html", context)
