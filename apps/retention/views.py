"""Your Account → How long we keep your data, and Delete account (P-32). Thin views."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import available_timezones

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.retention.forms import DeleteAccountForm
from apps.retention.selectors.deletion import (
    erased_on_deletion,
    grace_period,
    kept_after_deletion,
    scheduled_deletion_of,
)
from apps.retention.selectors.rules import rules_for_customers
from apps.retention.services.deletion import account_deletion_cancel, account_deletion_request
from apps.retention.signals import SCHEDULED_SESSION_KEY, cancelled_message


@login_required
@require_GET
def retention_periods(request: HttpRequest) -> HttpResponse:
    return render(request, "retention/periods.html", {"rules": rules_for_customers()})


def _is_staff(user) -> bool:
    return bool(user.is_staff or user.is_superuser)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    # Staff accounts hold roles and sign records others rely on: another officer closes them
    # in the admin, revoking access first. Refused before asking for a password.
    if _is_staff(request.user):
        return render(request, "retention/delete_staff.html", status=403 if request.method == "POST" else 200)
    return _delete_account(request)


@reauthentication_required(allow_get=True)
def _delete_account(request: HttpRequest) -> HttpResponse:
    """GET reads the consequences; POST (after a recent re-authentication) schedules the deletion.

    A POST that needed the password again is replayed by allauth once it is given.
    """
    user = request.user
    assert user.is_authenticated  # only delete_account calls it, behind login_required
    scheduled = scheduled_deletion_of(user)
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and scheduled is None and form.is_valid():
        deletion = account_deletion_request(user=user, actor=user)
        logout(request)  # this browser; every other session went with the request
        request.session[SCHEDULED_SESSION_KEY] = {
            "reference": str(deletion.reference),
            "erase_after": deletion.erase_after.isoformat(),
            # Signed out now: the page after still shows the date in their own zone.
            "time_zone": user.local_time_zone,
        }
        return redirect("retention:deletion_scheduled")
    grace = grace_period()
    context = {
        "form": form,
        "scheduled": scheduled,
        "erase_after": timezone.now() + grace,
        "grace_days": grace.days,
        "erased": erased_on_deletion(),
        "kept": kept_after_deletion(rules_for_customers()),
    }
    status = 400 if request.method == "POST" and scheduled is None else 200
    if request.method == "POST" and scheduled is not None:
        status = 409  # asked again from a page opened before the first request
    return render(request, "retention/delete.html", context, status=status)


@login_required
@require_POST
def delete_cancel(request: HttpRequest) -> HttpResponse:
    """A session that survived the request (opened meanwhile) can keep the account without signing in again."""
    user = request.user
    assert user.is_authenticated  # login_required
    cancelled = account_deletion_cancel(
        user=user, actor=user, reason="Cancelled by the customer on the Delete account page"
    )
    if cancelled is not None:
        messages.success(request, cancelled_message())
    else:
        messages.info(request, _("Your account was not due to be deleted; nothing changed."))
    return redirect("retention:delete")


@never_cache
@require_GET
def deletion_scheduled(request: HttpRequest) -> HttpResponse:
    stored = request.session.get(SCHEDULED_SESSION_KEY) or {}
    try:
        reference = str(stored["reference"])
        erase_after = datetime.fromisoformat(stored["erase_after"])
    except (TypeError, KeyError, ValueError):
        return render(request, "retention/deletion_scheduled.html", {"missing": True}, status=404)
    zone = stored.get("time_zone")
    if zone in available_timezones():
        timezone.activate(zone)
    return render(request, "retention/deletion_scheduled.html", {"reference": reference, "erase_after": erase_after})
