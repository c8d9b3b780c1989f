"""Anonymised aggregates for the officers' statistics report (P-26), shared with investors.

Every figure is a group count computed in SQL (``GROUP BY``); no row per person is read
into Python, and nothing here returns one. Before a table leaves this module it goes
through ``suppress`` (``apps/retention/domain.py``): a cell under ``THRESHOLD`` is never
shown, and enough other cells are hidden with it that no hidden cell can be worked out from
the total. The admin page and its CSV (``admin/statistics.py``) show only these tables.

Who is counted:
- Accounts are customers' accounts (staff excluded).
- By sign-up month, closed and erased accounts still count: erasure keeps ``date_joined``
  (a legal-obligation record) and a sign-up that happened does not un-happen when the
  person leaves, so a month's figure does not shrink later.
- By country and by sign-up method, only open accounts count: erasure blanks the country
  and deletes the linked Google or Facebook login, so closed accounts would all land in
  "not given" and "email" and skew both tables.
- Requests by type come from a small registry of providers (``register_request_counter``);
  the subject-request app (issue #4) adds its own types there when it lands.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime

from allauth.socialaccount.models import SocialAccount
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django_countries import countries

from apps.accounts.models import User
from apps.core.cache import Remembered, remembered
from apps.core.charts import last_months, next_month
from apps.core.clock import organisation_today
from apps.retention.domain import DEFAULT_PERIOD, PERIODS, THRESHOLD, Cell, Report, Table, suppress

OTHER_COUNTRIES = "other"
COUNTRY_NOT_GIVEN = "not_given"
EMAIL = "email"
SIGNUP_METHODS = {
    "google": gettext_lazy("Google"),
    "facebook": gettext_lazy("Facebook"),
    EMAIL: gettext_lazy("Email and password"),
}
OTHER_METHOD = "other"


# --- Accounts ------------------------------------------------------------------------


def customer_accounts() -> QuerySet[User]:
    return User.objects.filter(is_staff=False, is_superuser=False)


def _aware(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.get_current_timezone())


def accounts_by_month(*, months: list[date]) -> Table:
    # Closed and erased accounts count too (see the module's docstring).
    start, end = _aware(months[0]), _aware(next_month(months[-1]))
    rows = (
        customer_accounts()
        .filter(date_joined__gte=start, date_joined__lt=end)
        .annotate(month=TruncMonth("date_joined"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[date, int] = {}
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime) else month
        counts[month] = counts.get(month, 0) + row["n"]
    cells, total = suppress([(f"{m:%Y-%m}", f"{m:%Y-%m}", counts.get(m, 0)) for m in months])
    cells = [Cell(c.key, c.label, c.count, c.suppressed, period=m) for c, m in zip(cells, months, strict=True)]
    return Table(
        code="accounts_by_month",
        title=_("New accounts by sign-up month"),
        dimension=_("Month"),
        rows=cells,
        total=total,
        note=_("Customers' accounts by the month they signed up, including accounts closed since."),
    )


def accounts_by_country() -> Table:
    # Open accounts only: erasure blanks the country.
    rows = (
        customer_accounts()
        .filter(status=User.Status.ACTIVE)
        .values("country")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("country", "n")
    )
    named: list[tuple[str, str, int]] = []
    other = not_given = 0
    for code, n in rows:
        code = str(code or "")
        if not code:
            not_given += n
        elif n < THRESHOLD:
            # Countries with only a few customers are pooled, so the report does not even say
            # that someone from a small place is a customer.
            other += n
        else:
            named.append((code, str(countries.name(code) or code), n))
    named.sort(key=lambda item: (-item[2], item[1]))
    pooled = [
        (OTHER_COUNTRIES, _("Other countries (under %(threshold)s each)") % {"threshold": THRESHOLD}, other),
        (COUNTRY_NOT_GIVEN, _("Not given"), not_given),
    ]
    # An empty pool is left out like any country nobody is from; listed at 0 it would count as
    # a small cell and needlessly hide a country's figure beside it.
    cells, total = suppress([*named, *(item for item in pooled if item[2])])
    return Table(
        code="accounts_by_country",
        title=_("Open accounts by country"),
        dimension=_("Country"),
        rows=cells,
        total=total,
        note=_("The country on the account; open customer accounts only."),
    )


def accounts_by_signup_method() -> Table:
    # There is no separate record of how an account was created, so an account counts under
    # the first Google or Facebook login linked to it, and under email and password when it has
    # none. An email account that linked Google later counts as Google. Open accounts only:
    # erasure deletes the linked logins.
    first_provider = (
        SocialAccount.objects.filter(user=OuterRef("pk")).order_by("date_joined", "pk").values("provider")[:1]
    )
    rows = (
        customer_accounts()
        .filter(status=User.Status.ACTIVE)
        .annotate(method=Subquery(first_provider))
        .values("method")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("method", "n")
    )
    counts = dict.fromkeys(SIGNUP_METHODS, 0)
    other = 0
    for provider, n in rows:
        key = provider or EMAIL
        if key in counts:
            counts[key] += n
        else:
            other += n
    items = [(key, str(SIGNUP_METHODS[key]), n) for key, n in counts.items()]
    if other:
        items.append((OTHER_METHOD, _("Other provider"), other))
    cells, total = suppress(items)
    return Table(
        code="accounts_by_signup_method",
        title=_("Open accounts by sign-up method"),
        dimension=_("Sign-up method"),
        rows=cells,
        total=total,
        note=_("Counted under the first Google or Facebook login linked to the account; open customer accounts only."),
    )


# --- Requests ------------------------------------------------------------------------

# A provider takes the start of the report's period and returns {type label: count}, one
# aggregate query each. Labels become the report's rows and the CSV's dimension.
RequestCounter = Callable[[datetime], Mapping[str, int]]
_request_counters: list[RequestCounter] = []


def register_request_counter(counter: RequestCounter) -> RequestCounter:
    """Add a kind of request to the report (usable as a decorator; registering twice is harmless)."""
    if counter not in _request_counters:
        _request_counters.append(counter)
    return counter


def request_counters() -> list[RequestCounter]:
    return list(_request_counters)


@register_request_counter
def data_exports_requested(since: datetime) -> dict[str, int]:
    from apps.personal_data.models import DataExport

    return {str(_("Data exports")): DataExport.objects.filter(created_at__gte=since).count()}


@register_request_counter
def erasures_carried_out(since: datetime) -> dict[str, int]:
    from apps.personal_data.models import ErasureRun

    # A dry run only previews an erasure; it is not a request carried out.
    return {str(_("Erasures")): ErasureRun.objects.filter(created_at__gte=since, dry_run=False).count()}


@register_request_counter
def account_deletions_requested(since: datetime) -> dict[str, int]:
    from apps.retention.models import AccountDeletion

    # Cancelled ones count: they were requests all the same.
    return {str(_("Account deletions")): AccountDeletion.objects.filter(created_at__gte=since).count()}


def requests_by_type(*, since: datetime) -> Table:
    counts: dict[str, int] = {}
    for counter in request_counters():
        for label, n in counter(since).items():
            counts[str(label)] = counts.get(str(label), 0) + int(n)
    cells, total = suppress([(label, label, n) for label, n in counts.items()])
    return Table(
        code="requests_by_type",
        title=_("Requests by type"),
        dimension=_("Type of request"),
        rows=cells,
        total=total,
        note=_("Requests made in the report's period."),
    )


# --- The report ----------------------------------------------------------------------


# The report reads every customer's account (a GROUP BY over each table, and the first social
# login of each): seconds at a million customers. Its figures are monthly and suppressed, so
# one computation is shown to every officer, with the time it was made. Beat recomputes the
# default period every STATISTICS_REFRESH_MINUTES (services/statistics.py), before the kept
# one expires, so no officer waits for it; other periods are computed at their first view.
STATISTICS_REFRESH_MINUTES = 10
STATISTICS_CACHE_SECONDS = 2 * 60 * STATISTICS_REFRESH_MINUTES


def statistics_cache_key(months: int, today: date) -> str:
    # Per day and language: the titles are translated when the report is computed.
    return f"retention:statistics:{months}:{today.isoformat()}:{get_language()}"


def statistics_report_cached(*, months: int = DEFAULT_PERIOD) -> Remembered[Report]:
    """``statistics_report`` as last computed (at most ``STATISTICS_CACHE_SECONDS`` ago), with its time."""
    if months not in PERIODS:
        raise ValueError(f"months must be one of {PERIODS}")
    today = organisation_today()
    return remembered(
        statistics_cache_key(months, today),
        STATISTICS_CACHE_SECONDS,
        lambda: statistics_report(months=months, today=today),
    )


def statistics_report(*, months: int = DEFAULT_PERIOD, today: date | None = None) -> Report:
    """Every table of the report, suppressed, for the page and the CSV alike."""
    if months not in PERIODS:
        raise ValueError(f"months must be one of {PERIODS}")
    today = today or organisation_today()
    month_list = last_months(today, months)
    report = Report(months=months, start=month_list[0], today=today)
    report.tables = [
        accounts_by_month(months=month_list),
        accounts_by_country(),
        accounts_by_signup_method(),
        requests_by_type(since=_aware(month_list[0])),
    ]
    return report
