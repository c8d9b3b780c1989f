"""A breach's page for finding the people affected: counts first, then the frozen set."""

from __future__ import annotations

from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import path
from django.utils.translation import gettext as _

from apps.breaches.forms import AffectedForm
from apps.breaches.selectors.people import Selection, affected_counts, affected_people, latest_affected_set
from apps.breaches.services.people import accounts_from_csv, affected_set_freeze
from apps.core.clock import organisation_time, organisation_zone_name

SIGNED_SALT = "breaches.affected.accounts"
ADMIN_FREEZE_LIMIT = 20_000


class PeoplePagesMixin:
    def people_urls(self, view):
        return [path("<path:object_id>/affected/", view(self.affected_view), name="breaches_breach_affected")]

    def affected_view(self, request, object_id):
        breach = self._breach(request, object_id)  # type: ignore[attr-defined]
        form = AffectedForm(request.POST or None, request.FILES or None)
        counts = query = None
        listed = request.POST.get("listed", "")
        if request.method == "POST" and form.is_valid():
            try:
                account_ids = self._listed_accounts(form, listed)
                selection = Selection(
                    categories=tuple(form.cleaned_data["categories"]),
                    models=tuple(form.cleaned_data["models"]),
                    since=form.cleaned_data["since"],
                    until=form.cleaned_data["until"],
                    account_ids=tuple(account_ids),
                )
                if "freeze" in request.POST:
                    self._check_size(selection, breach.number)
                    frozen = affected_set_freeze(breach=breach, selection=selection, actor=request.user)
                    return self._done(  # type: ignore[attr-defined]
                        request, breach, _("%(count)d people frozen as affected.") % {"count": frozen.total}
                    )
                found = affected_people(selection)
                counts, query = affected_counts(found.people), found.query
                listed = signing.dumps(account_ids, salt=SIGNED_SALT, compress=True) if account_ids else ""
            except ValidationError as error:
                form.add_error(None, error)
        current = latest_affected_set(breach)
        return self._page(  # type: ignore[attr-defined]
            request,
            breach,
            "affected.html",
            _("Find the people affected"),
            form=form,
            counts=counts,
            query=query,
            listed=listed,
            current=current,
            frozen_when=f"{organisation_time(current.frozen_at):%Y-%m-%d %H:%M} {organisation_zone_name()}"
            if current
            else "",
        )

    @staticmethod
    def _check_size(selection: Selection, number: str) -> None:
        # Freezing writes a keyed reference per person (about 5 000 a second): beyond this the
        # request would outlive the server's timeout, and the command has no such limit.
        total = affected_people(selection).people.count()
        if total > ADMIN_FREEZE_LIMIT:
            raise ValidationError(
                _(
                    "%(count)d people are too many to freeze from this page; run "
                    "manage.py breach_affected %(number)s with the same choices."
                )
                % {"count": total, "number": number}
            )

    @staticmethod
    def _listed_accounts(form: AffectedForm, listed: str) -> list[int]:
        upload = form.cleaned_data.get("accounts")
        if upload:
            return accounts_from_csv(upload.read())
        if listed:
            try:
                return list(signing.loads(listed, salt=SIGNED_SALT))
            except signing.BadSignature:
                raise ValidationError(_("Upload the list of accounts again.")) from None
        return []
