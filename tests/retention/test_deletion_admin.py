"""Account deletions in the admin (P-32): read-only, as each role sees them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.retention.models import AccountDeletion

pytestmark = pytest.mark.django_db


def deletion_of(user, status=AccountDeletion.Status.SCHEDULED) -> AccountDeletion:
    return AccountDeletion.objects.create(
        subject=user, subject_reference=f"ref-{user.pk}", status=status, erase_after=timezone.now() + timedelta(days=14)
    )


# --- Account deletions -------------------------------------------------------------------------------


def test_it_lists_account_deletions_read_only_with_a_status_filter(client_as, customer, other_customer):
    scheduled = deletion_of(customer)
    cancelled = deletion_of(other_customer, status=AccountDeletion.Status.CANCELLED)
    client = client_as("officer")

    response = client.get(reverse("admin:retention_accountdeletion_changelist"), {"status__exact": "cancelled"})
    assert [d.pk for d in response.context["cl"].result_list] == [cancelled.pk]
    assert client.get(reverse("admin:retention_accountdeletion_add")).status_code == 403
    page = client.get(reverse("admin:retention_accountdeletion_change", args=[scheduled.pk]))
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    assert client.get(reverse("admin:retention_accountdeletion_delete", args=[scheduled.pk])).status_code == 403
    auditor_page = client_as("auditor").get(reverse("admin:retention_accountdeletion_changelist")).content.decode()
    assert customer.email not in auditor_page
    assert client_as("support_agent").get(reverse("admin:retention_accountdeletion_changelist")).status_code == 403
