"""Jurisdictions: the checks on a law's deadline rule (Jurisdiction.clean)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.subject_requests.models import Jurisdiction

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("term", [[100000, "months"], [True, "days"], [-1, "days"], [0, "days"], [15, "weeks"]])
def test_a_jurisdiction_refuses_absurd_terms(term):
    jurisdiction = Jurisdiction.objects.get(code="vn")
    jurisdiction.type_terms = {"access": {"respond": term}}
    with pytest.raises(ValidationError):
        jurisdiction.full_clean()
