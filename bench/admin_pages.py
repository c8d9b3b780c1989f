"""Benchmark: the officer's admin pages at 1 000 customers against the same pages at 1 000 000.

    nice .venv/bin/python bench/admin_pages.py [--scale 1.0] [--reuse] [--repeat 15] [--rounds 3] [--report-only]

PostgreSQL only (the seed is generate_series SQL). Two databases on the server of
``--server`` (default postgres://postgres@127.0.0.1:5432): ``<--prefix>_small`` and
``<--prefix>_large``. The large one holds, at ``--scale 1``:

    1 000 000 customers, 10 000 000 login events, 1 000 000 consent events,
    200 000 subject requests (about 1% of them open), 1 000 000 disclosures (one subject each)

and the small one the same mix for 1 000 customers (``--scale`` multiplies the large size
only; the small one stays at 1 000 customers, or the large size when that is smaller). Each
table is filled by one ``INSERT … SELECT FROM generate_series`` per million rows, then
``VACUUM ANALYZE``d, as a real database's statistics would be. ``--reuse`` keeps a database
whose seed is already there (a marker table records the size); without it both are rebuilt.

Then, for each size in its own process (its own cache, its own connection), an officer signs
in through allauth's pages with their second factor (Django's test Client, the whole
middleware stack) and GETs every officer page after one warm-up GET (the warm-up fills the
statistics' cache, as an officer's first visit of the day would). The sizes take turns,
``--rounds`` each, the ``--repeat`` timed GETs per page split among the rounds, so a change in
the machine's load over the minutes of a run weighs on both sizes. Printed per page: median
and p95 in ms over all rounds and the query count at both sizes, and the ratio of medians.

A page that does not exist in this checkout (a URL name that does not reverse, or a 404) is
reported as missing, not failed, so the bench runs before and after the pages it names land.
The exit status is non-zero when a page answers with an error, and when a ratio of medians
is over 2 unless ``--report-only`` (CI runs it so at small scale, where timings on a shared
machine are noise; the numbers that count are the full-scale ones in the README).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LARGE_CUSTOMERS = 1_000_000
SMALL_CUSTOMERS = 1_000
TARGET = 2.0
# Rows of each kind per customer (10 M login events, 1 M consent events, 200 000 requests,
# 1 M disclosures at a million customers).
LOGIN_EVENTS_PER_CUSTOMER = 10
CONSENT_EVENTS_PER_CUSTOMER = 1
REQUESTS_PER_CUSTOMER = 0.2
DISCLOSURES_PER_CUSTOMER = 1
CHUNK = 1_000_000  # rows per INSERT statement, so progress shows and no statement runs for ever
OFFICER_EMAIL = "bench-officer@bench.example"
DOMAIN = "bench.example"
MARKER = "bench_admin_pages_seed"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- The seed (run inside a child process set up for one database) ----------------------------


def _execute(sql: str, params: list | tuple = ()) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _scalar(sql: str, params: list | tuple = ()):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _chunks(total: int):
    for start in range(0, total, CHUNK):
        yield start + 1, min(total, start + CHUNK)


def seeded_customers() -> int | None:
    if not _scalar("SELECT to_regclass(%s) IS NOT NULL", [MARKER]):
        return None
    return _scalar(f"SELECT customers FROM {MARKER}")


def officer_user():
    """The benchmark's privacy officer, made once per database; a fresh authenticator each run."""
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.models import Group

    from apps.accounts.domain import PRIVACY_OFFICER
    from apps.accounts.models import User
    from tests.factories import TEST_PASSWORD
    from tests.helpers.auth import add_authenticator, make_staff

    officer = User.objects.filter(email=OFFICER_EMAIL).first()
    if officer is None:
        return make_staff(OFFICER_EMAIL, PRIVACY_OFFICER)
    if not officer.check_password(TEST_PASSWORD):  # a new hash would sign out its other sessions
        officer.set_password(TEST_PASSWORD)
        officer.save(update_fields=["password"])
    officer.groups.add(Group.objects.get(name=PRIVACY_OFFICER))
    Authenticator.objects.filter(user=officer).delete()
    add_authenticator(officer)
    return officer


def seed(customers: int) -> None:
    """Fill the database with ``customers`` and their rows, in set-based SQL."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    officer = officer_user()
    started = time.perf_counter()
    _execute("SET synchronous_commit = off")
    base = _scalar("SELECT COALESCE(MAX(id), 0) FROM accounts_user")
    # Customers: c0000001@bench.example …; one in 50 closed; joined over the last three years.
    for first, last in _chunks(customers):
        _execute(
            """
            INSERT INTO accounts_user (id, password, is_superuser, reference, email, email_hash, full_name, phone,
                mailing_address, profile_picture, preferred_language, country, status, closed_at, last_seen_at,
                is_staff, is_active, date_joined, preferred_name, time_zone)
            SELECT %(base)s + i, '!', false, gen_random_uuid(), 'c' || lpad(i::text, 7, '0') || '@' || %(domain)s,
                md5('e' || i) || md5('h' || i), 'Customer ' || i, '', '', '',
                CASE WHEN i %% 5 = 0 THEN 'vi' ELSE 'en' END,
                (ARRAY['GB', 'VN', 'US', 'DE', 'FR', 'IE', 'NL', 'ES', 'IT', 'SG'])[1 + i %% 10],
                CASE WHEN i %% 50 = 0 THEN 'closed' ELSE 'active' END,
                CASE WHEN i %% 50 = 0 THEN now() - interval '10 days' END,
                now() - (i %% 400) * interval '1 day',
                false, true, now() - (i %% 1095) * interval '1 day' - (i %% 1440) * interval '1 minute', '', ''
            FROM generate_series(%(first)s, %(last)s) AS i
            """,
            {"base": base, "domain": DOMAIN, "first": first, "last": last},
        )
        log(f"  customers {last:,}/{customers:,}")
    _execute("SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), (SELECT MAX(id) FROM accounts_user))")
    # Login events: ten per customer over the last two years, one in ten failed.
    events = customers * LOGIN_EVENTS_PER_CUSTOMER
    for first, last in _chunks(events):
        _execute(
            """
            INSERT INTO accounts_loginevent (user_id, occurred_at, ip_address, user_agent, device, browser,
                operating_system, method, succeeded)
            SELECT %(base)s + 1 + k %% %(customers)s, now() - (k %% 1051200) * interval '1 minute',
                ('10.' || (k / 65536) %% 256 || '.' || (k / 256) %% 256 || '.' || k %% 256)::inet,
                'Mozilla/5.0 (bench)', (ARRAY['desktop', 'mobile', 'tablet'])[1 + k %% 3],
                (ARRAY['Firefox', 'Chrome', 'Safari'])[1 + k %% 3], (ARRAY['Linux', 'Android', 'iOS'])[1 + k %% 3],
                (ARRAY['password', 'google', 'facebook'])[1 + k %% 3], k %% 10 <> 0
            FROM generate_series(%(first)s, %(last)s) AS k
            """,
            {"base": base, "customers": customers, "first": first, "last": last},
        )
        log(f"  login events {last:,}/{events:,}")
    # Consent events: one per customer, on eight purposes, over the last three years.
    purposes = _scalar("SELECT array_agg(id ORDER BY id) FROM consent_purpose WHERE code NOT LIKE %s", ["cookies-%"])
    consents = customers * CONSENT_EVENTS_PER_CUSTOMER
    for first, last in _chunks(consents):
        _execute(
            """
            INSERT INTO consent_consentevent (reference, subject_id, subject_reference, visitor_id, purpose_id,
                granted, method, language, text_hash, source_page, user_agent, actor_label, recorded_at)
            SELECT gen_random_uuid(), %(base)s + 1 + (k - 1) %% %(customers)s, md5('s' || k) || md5('r' || k), '',
                (%(purposes)s::bigint[])[1 + k %% cardinality(%(purposes)s::bigint[])], k %% 4 <> 0,
                (ARRAY['signup', 'account_page', 'unsubscribe_link'])[1 + k %% 3], 'en', repeat('0', 64),
                '/account/privacy-choices/', 'bench', '', now() - (k %% 1576800) * interval '1 minute'
            FROM generate_series(%(first)s, %(last)s) AS k
            """,
            {"base": base, "customers": customers, "purposes": purposes, "first": first, "last": last},
        )
        log(f"  consent events {last:,}/{consents:,}")
    # Subject requests: one per five customers; 1% still open (some overdue), the rest closed.
    jurisdictions = _scalar("SELECT array_agg(id ORDER BY id) FROM subject_requests_jurisdiction")
    requests = int(customers * REQUESTS_PER_CUSTOMER)
    for first, last in _chunks(requests):
        _execute(
            """
            INSERT INTO subject_requests_subjectrequest (reference, created_at, updated_at, request_type, status,
                channel, requester_email, requester_name, language, details, scope, received_at, verified_at,
                verification_method, verification_note, confirmation_digest, acknowledged_at, acknowledge_by,
                due_at, extension_reason, paused_days, outcome, rejection_reason, closed_at, execution,
                assignee_id, jurisdiction_id, subject_id, execution_state)
            SELECT gen_random_uuid(), r.received, r.received, r.type, r.status,
                (ARRAY['account', 'web_form', 'email', 'phone', 'letter'])[1 + k %% 5],
                'c' || lpad(r.customer::text, 7, '0') || '@' || %(domain)s, 'Customer ' || r.customer, 'en', '',
                '{}'::jsonb, r.received, r.received, 'signed_in', '', '', r.received,
                (r.received + interval '3 days')::date, r.received + interval '30 days', '', 0, '', '',
                CASE WHEN r.status IN ('completed', 'rejected', 'withdrawn')
                     THEN r.received + (k %% 40) * interval '1 day' END,
                '{}'::jsonb, CASE WHEN k %% 3 = 0 THEN %(officer)s END,
                (%(jurisdictions)s::bigint[])[1 + k %% cardinality(%(jurisdictions)s::bigint[])],
                %(base)s + r.customer, ''
            FROM generate_series(%(first)s, %(last)s) AS k,
            LATERAL (SELECT
                1 + (k * 5 - 1) %% %(customers)s AS customer,
                (ARRAY['access', 'erasure', 'rectification', 'portability', 'objection', 'restriction'])[1 + k %% 6]
                    AS type,
                CASE WHEN k %% 100 = 0 THEN (ARRAY['open', 'in_progress', 'awaiting_approval'])[1 + k / 100 %% 3]
                     WHEN k %% 17 = 0 THEN 'rejected' WHEN k %% 23 = 0 THEN 'withdrawn' ELSE 'completed' END
                    AS status,
                CASE WHEN k %% 100 = 0 THEN now() - (k / 100 %% 45) * interval '1 day'
                     ELSE now() - (45 + k %% 1050) * interval '1 day' END AS received
            ) AS r
            """,
            {
                "base": base,
                "customers": customers,
                "domain": DOMAIN,
                "officer": officer.pk,
                "jurisdictions": jurisdictions,
                "first": first,
                "last": last,
            },
        )
        log(f"  subject requests {last:,}/{requests:,}")
    # Disclosures: one per customer to twenty recipients, each naming its subject.
    recorded = _scalar("SELECT COUNT(*) FROM disclosures_recipient WHERE name LIKE %s", ["Bench recipient %"])
    if not recorded:
        _execute(
            """
            INSERT INTO disclosures_recipient (reference, created_at, updated_at, name, category, country,
                transfer_safeguard, agreement, agreement_reference, agreement_starts, agreement_ends, contact_name,
                contact_email, is_active, role, categories_held, connector, deadline_days, language,
                privacy_contact_email, webhook_url, identifiers)
            SELECT gen_random_uuid(), now(), now(), 'Bench recipient ' || r,
                (ARRAY['processor', 'auditor', 'regulator', 'law_enforcement'])[1 + r %% 4], 'GB', 'not_needed',
                'processing', 'DPA-' || r, current_date - 300, current_date + 30 * r, 'Contact ' || r,
                'r' || r || '@' || %(domain)s, true, 'recipient', '[]'::jsonb, '', 10, 'en', '', '', '[]'::jsonb
            FROM generate_series(1, 20) AS r
            """,
            {"domain": DOMAIN},
        )
    recipients = _scalar("SELECT array_agg(id ORDER BY id) FROM disclosures_recipient")
    sequence = _scalar("SELECT COALESCE(MAX(sequence), 0) FROM disclosures_disclosure")
    first_disclosure = _scalar("SELECT COALESCE(MAX(id), 0) FROM disclosures_disclosure")
    disclosures = customers * DISCLOSURES_PER_CUSTOMER
    for first, last in _chunks(disclosures):
        _execute(
            """
            INSERT INTO disclosures_disclosure (id, reference, sequence, data_categories, description, disclosed_at,
                reason, legal_basis, external_reference, requested_by, visibility, withheld_reason,
                notification_status, previous_hash, entry_hash, created_at, recorded_by_id, recipient_id)
            SELECT %(first_id)s + k, gen_random_uuid(), %(sequence)s + k, '["contact"]'::jsonb, 'Bench disclosure',
                now() - (k %% 1576800) * interval '1 minute', '',
                (ARRAY['contract', 'legal_obligation', 'court_order', 'regulator'])[1 + k %% 4], '', '', 'visible', '',
                'not_required', md5('p' || k) || md5('q' || k), md5('d' || k) || md5('x' || k),
                now() - (k %% 1576800) * interval '1 minute', %(officer)s,
                (%(recipients)s::bigint[])[1 + k %% cardinality(%(recipients)s::bigint[])]
            FROM generate_series(%(first)s, %(last)s) AS k
            """,
            {
                "first_id": first_disclosure,
                "sequence": sequence,
                "officer": officer.pk,
                "recipients": recipients,
                "first": first,
                "last": last,
            },
        )
        _execute(
            """
            INSERT INTO disclosures_disclosuresubject (disclosure_id, subject_id, subject_reference)
            SELECT %(first_id)s + k, %(base)s + 1 + (k - 1) %% %(customers)s, md5('e' || k) || md5('h' || k)
            FROM generate_series(%(first)s, %(last)s) AS k
            """,
            {"first_id": first_disclosure, "base": base, "customers": customers, "first": first, "last": last},
        )
        log(f"  disclosures {last:,}/{disclosures:,}")
    _execute(
        "SELECT setval(pg_get_serial_sequence('disclosures_disclosure', 'id'), "
        "(SELECT MAX(id) FROM disclosures_disclosure))"
    )
    _execute(f"CREATE TABLE IF NOT EXISTS {MARKER} (customers bigint NOT NULL)")
    _execute(f"DELETE FROM {MARKER}")
    _execute(f"INSERT INTO {MARKER} (customers) VALUES (%s)", [customers])
    log(f"  seeded in {time.perf_counter() - started:.0f}s; VACUUM ANALYZE …")
    _execute("VACUUM ANALYZE")
    log(f"  ready after {time.perf_counter() - started:.0f}s")


# --- The pages ---------------------------------------------------------------------------------


def pages(officer, customer) -> list[tuple[str, str, dict, list]]:
    """(label, URL name, query, args): every page an officer uses, with each list filter."""
    year = time.gmtime().tm_year
    requests = "admin:subject_requests_subjectrequest_changelist"
    users = "admin:accounts_user_changelist"
    return [
        ("home (admin index)", "admin:index", {}, []),
        ("requests", requests, {}, []),
        ("requests: status open", requests, {"status__exact": "open"}, []),
        ("requests: type erasure", requests, {"request_type__exact": "erasure"}, []),
        ("requests: jurisdiction", requests, {"jurisdiction__id__exact": "1"}, []),
        ("requests: due soon", requests, {"due_soon": "yes"}, []),
        ("requests: overdue", requests, {"overdue": "yes"}, []),
        ("requests: mine", requests, {"assignee": "me"}, []),
        ("requests: unassigned", requests, {"assignee": "none"}, []),
        ("requests: channel email", requests, {"channel__exact": "email"}, []),
        ("requests: received this year", requests, {"received_at__year": str(year)}, []),
        ("requests: search email", requests, {"q": customer.email}, []),
        ("users", users, {}, []),
        ("users: search email", users, {"q": customer.email}, []),
        ("users: search start of email", users, {"q": customer.email[:6]}, []),
        ("users: status closed", users, {"status__exact": "closed"}, []),
        ("users: language vi", users, {"preferred_language__exact": "vi"}, []),
        ("users: country", users, {"country": "VN"}, []),
        ("users: joined this year", users, {"date_joined__year": str(year)}, []),
        ("customer page", "admin:accounts_user_change", {}, [customer.pk]),
        ("consent ledger", "admin:consent_consentevent_changelist", {}, []),
        ("consent ledger: granted", "admin:consent_consentevent_changelist", {"granted__exact": "1"}, []),
        ("consent ledger: search email", "admin:consent_consentevent_changelist", {"q": customer.email}, []),
        ("disclosure register", "admin:disclosures_disclosure_changelist", {}, []),
        (
            "disclosure register: legal basis",
            "admin:disclosures_disclosure_changelist",
            {"legal_basis__exact": "court_order"},
            [],
        ),
        ("statistics", "admin:statistics", {}, []),
        ("requests dashboard", "admin:subject_requests_dashboard", {}, []),
        ("login events", "admin:accounts_loginevent_changelist", {}, []),
        ("login events: failed", "admin:accounts_loginevent_changelist", {"succeeded__exact": "0"}, []),
        ("login events: search email", "admin:accounts_loginevent_changelist", {"q": customer.email}, []),
    ]


def measure(repeat: int) -> dict:
    """Time every page as the officer; {label: {median_ms, p95_ms, queries, status}}."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse
    from django.utils.http import urlencode

    from apps.accounts.models import User
    from tests.helpers.auth import sign_in

    officer = officer_user()
    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "localhost")
    sign_in(client, officer)
    # A customer in the middle of the ids: neither the newest nor the oldest.
    customers = User.objects.filter(email__endswith=f"@{DOMAIN}", is_staff=False)
    middle = customers.order_by("pk").values_list("pk", flat=True)[(seeded_customers() or 1) // 2]
    customer = User.objects.get(pk=middle)
    results: dict[str, dict] = {}
    for label, name, query, args in pages(officer, customer):
        try:
            url = reverse(name, args=args)
        except NoReverseMatch:
            results[label] = {"status": "missing"}
            continue
        if query:
            url = f"{url}?{urlencode(query)}"
        started = time.perf_counter()
        response = client.get(url)  # warm-up: templates compiled, statistics cached
        first_ms = (time.perf_counter() - started) * 1000
        if response.status_code == 404:
            results[label] = {"status": "missing"}
            continue
        if response.status_code != 200:
            results[label] = {"status": f"HTTP {response.status_code}", "url": url}
            continue
        timings = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        results[label] = {
            "status": "ok" if response.status_code == 200 else f"HTTP {response.status_code}",
            "url": url,
            "median_ms": statistics.median(timings),
            "p95_ms": timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))],
            "queries": len(queries.captured_queries),
            "timings": timings,
            "first_ms": first_ms,
        }
        log(f"  {label}: {results[label]['median_ms']:.0f} ms, {results[label]['queries']} queries")
    return results


def child(options) -> None:
    """One database: seed it when asked, measure, print the results as JSON on stdout."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("bench/admin_pages.py needs PostgreSQL (DATABASE_URL or --server).")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    have = seeded_customers()
    if have != options.customers:
        if have is not None:
            raise SystemExit(f"{connection.settings_dict['NAME']} holds {have} customers; run without --reuse.")
        seed(options.customers)
    else:
        # Indexes a migration just added (expression indexes above all) have no statistics
        # until the table is analysed; autovacuum would get there, a benchmark cannot wait.
        _execute("ANALYZE")
    print(json.dumps(measure(options.repeat)))


# --- The parent: databases, children, the table ------------------------------------------------


def psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True)


def prepare(options, database: str) -> None:
    """A fresh database, unless --reuse and it exists (the child then checks its seed's size)."""
    server = options.server.rstrip("/")
    exists = subprocess.run(
        ["psql", f"{server}/postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{database}'"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not options.reuse or not exists:
        psql(server, f'DROP DATABASE IF EXISTS "{database}"')
        psql(server, f'CREATE DATABASE "{database}"')


def run_size(options, database: str, customers: int, repeat: int) -> dict:
    """One child process on ``database``: seeded if needed, every page timed ``repeat`` times."""
    server = options.server.rstrip("/")
    log(f"{database}: {customers:,} customers")
    environment = {**os.environ, "DATABASE_URL": f"{server}/{database}"}
    command = [sys.executable, __file__, "--child", "--customers", str(customers), "--repeat", str(repeat)]
    output = subprocess.run(command, env=environment, check=True, capture_output=False, stdout=subprocess.PIPE)
    return json.loads(output.stdout)


def report(small: dict, large: dict, small_n: int, large_n: int) -> tuple[list[str], list[str]]:
    """Print the table; return the pages that answered with an error, and those over the target."""
    errors, slow = [], []
    print(f"\n{'page':38} {small_n:>9,} customers      {large_n:>9,} customers      ratio")
    print(f"{'':38} {'median  p95  queries':>24}  {'median  p95  queries':>24}  (medians)")
    for label in small:
        a, b = small[label], large.get(label, {"status": "missing"})
        if a["status"] == "missing" or b["status"] == "missing":
            print(f"{label:38} {'(no such page here yet)':>24}")
            continue
        if a["status"] != "ok" or b["status"] != "ok":
            print(f"{label:38} small {a['status']}, large {b['status']}  FAIL")
            errors.append(label)
            continue
        ratio = b["median_ms"] / a["median_ms"]
        flag = "" if ratio <= TARGET else "  over 2x"
        if ratio > TARGET:
            slow.append(label)
        print(
            f"{label:38} {a['median_ms']:7.0f} {a['p95_ms']:5.0f} {a['queries']:7d}  "
            f"{b['median_ms']:7.0f} {b['p95_ms']:5.0f} {b['queries']:7d}  {ratio:5.2f}x{flag}"
        )
    # A page whose first view pays for figures it then keeps (statistics, dashboard) says so.
    for label, b in large.items():
        if b.get("status") == "ok" and b.get("first_ms", 0) > 2 * b["median_ms"] + 100:
            print(f"  {label}: the first view at {large_n:,} customers took {b['first_ms']:.0f} ms (cold cache)")
    return errors, slow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="the large size is 1 000 000 x scale customers")
    parser.add_argument("--repeat", type=int, default=15, help="timed GETs per page and size, after a warm-up")
    parser.add_argument("--rounds", type=int, default=3, help="turns each size takes (the GETs split among them)")
    parser.add_argument("--reuse", action="store_true", help="keep databases already seeded at this size")
    parser.add_argument("--report-only", action="store_true", help="exit 0 even when a ratio is over 2")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--prefix", default="privacy_portal_bench")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--customers", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options)
        return
    large_n = max(1, round(LARGE_CUSTOMERS * options.scale))
    small_n = min(SMALL_CUSTOMERS, large_n)
    names = {"small": f"{options.prefix}_small", "large": f"{options.prefix}_large"}
    sizes = {"small": small_n, "large": large_n}
    for name in names.values():
        prepare(options, name)
    # The sizes take turns, a round each, so that other work on the machine (its load drifts
    # over minutes) weighs on both alike; each page's timings are pooled over the rounds.
    pooled: dict[str, dict[str, dict]] = {"small": {}, "large": {}}
    per_round = max(1, options.repeat // options.rounds)
    for round_ in range(options.rounds):
        for size in ("small", "large"):
            log(f"round {round_ + 1}/{options.rounds}")
            for label, result in run_size(options, names[size], sizes[size], per_round).items():
                pool = pooled[size].setdefault(label, {**result, "timings": []})
                if result["status"] != "ok":
                    pool.update(result)
                pool["timings"].extend(result.get("timings", []))
    for pages_ in pooled.values():
        for result in pages_.values():
            timings = sorted(result["timings"])
            if result["status"] == "ok" and timings:
                result["median_ms"] = statistics.median(timings)
                result["p95_ms"] = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    small, large = pooled["small"], pooled["large"]
    errors, slow = report(small, large, small_n, large_n)
    if errors:  # a page that fails is a failure, --report-only or not
        raise SystemExit(f"FAIL: {len(errors)} page(s) answered with an error: {', '.join(errors)}")
    if slow and not options.report_only:
        raise SystemExit(f"FAIL: {len(slow)} page(s) over {TARGET:g}x: {', '.join(slow)}")


if __name__ == "__main__":
    main()
