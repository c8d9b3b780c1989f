"""Reads of the customer's conversations with the company's support team."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.models import User
from apps.service_data.models import SupportCommunication


def support_communications_for_customer(*, customer: User) -> QuerySet[SupportCommunication]:
    return SupportCommunication.objects.filter(customer=customer).order_by("-occurred_at", "-id")


def support_communication_get_for_customer(*, reference, customer: User) -> SupportCommunication:
    # 404, not 403, for another customer's: no hint that it exists.
    communication = SupportCommunication.objects.filter(reference=reference, customer=customer).first()
    if communication is None:
        raise Http404
    return communication
