"""What was submitted to an authority, when, how, and the reference it gave."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.breaches.models.clocks import BreachClock
from apps.breaches.models.register import Breach
from apps.core.models import ReferencedModel


class AuthoritySubmission(ReferencedModel):
    """One submission of the authority's notification (Art. 33): the first, or a later phase
    (Art. 33(4)). Append-only: a correction is a further phase."""

    class Method(models.TextChoices):
        ONLINE_FORM = "online_form", _("The authority's online form")
        EMAIL = "email", _("Email")
        POST = "post", _("Post")
        PHONE = "phone", _("Telephone")

    class Phase(models.TextChoices):
        INITIAL = "initial", _("Initial notification")
        FOLLOW_UP = "follow_up", _("Further information")
        FINAL = "final", _("Final report")

    breach = models.ForeignKey(Breach, on_delete=models.PROTECT, related_name="submissions")
    clock = models.ForeignKey(BreachClock, on_delete=models.PROTECT, related_name="submissions")
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices, default=Phase.INITIAL)
    submitted_at = models.DateTimeField(_("submitted at"))
    method = models.CharField(_("how"), max_length=16, choices=Method.choices)
    authority_reference = models.CharField(_("the authority's reference"), max_length=200, blank=True)
    document = models.TextField(_("what was submitted"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("authority submission")
        verbose_name_plural = _("authority submissions")
        ordering = ["submitted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.breach_id} {self.phase} {self.submitted_at:%Y-%m-%d %H:%M}"
