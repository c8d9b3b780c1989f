"""Demo data for `make run` and benchmarks: realistic, idempotent, bulk-inserted.

Customers are numbered (customer000001@demo.example …) so a re-run adds only the missing ones, and
100 000 load in well under a minute: bulk_create in batches, one shared password hash, no per-row signal.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import encrypt
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.domain import PRIVACY_OFFICER, SUPPORT_AGENT, parse_user_agent
from apps.accounts.models import Artist, ArtistFollow, Follow, LoginEvent, Organisation, PublicProfile, User
from apps.accounts.services import staff_roles_sync
from apps.core.actors import SystemActor
from apps.core.bulk import insert_rows
from apps.personal_data.domain import address_hash

DEMO_PASSWORD = "demo-password-2026"
OFFICER_EMAIL = "officer@demo.example"
SUPPORT_EMAIL = "support@demo.example"
CUSTOMER_EMAILS = ("alice@demo.example", "bao@demo.example")
BATCH = 5000

# Names, streets and artists of the generated customers: realistic enough for pages and benchmarks.
FIRST_NAMES = [
    "Alice",
    "Oliver",
    "Amelia",
    "Harry",
    "Isla",
    "Jack",
    "Sophie",
    "Noah",
    "Grace",
    "Leo",
    "Bao",
    "Linh",
    "Minh",
    "Trang",
    "Huy",
    "Mai",
    "Quang",
    "Thao",
    "Duc",
    "Lan",
]
LAST_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Wilson",
    "Evans",
    "Walker",
    "Wright",
    "Nguyen",
    "Tran",
    "Le",
    "Pham",
    "Hoang",
    "Vu",
    "Dang",
    "Bui",
]
STREETS = ["High Street", "Station Road", "Church Lane", "Phố Huế", "Đường Láng", "Lê Lợi", "Main Street"]
CITIES = [
    ("GB", "London"),
    ("GB", "Manchester"),
    ("VN", "Hà Nội"),
    ("VN", "Hồ Chí Minh"),
    ("US", "Sacramento"),
    ("DE", "Berlin"),
]
ARTISTS = [
    *("The Night Owls", "Sông Hồng Quartet", "Marlow Avenue", "Lan & The Lanterns", "Northern Static"),
    *("Mây Trắng", "Copper Fields", "Velvet Harbour", "Saigon Sunrise", "The Quiet Hours"),
]
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36",
]
PARSED_AGENTS = {ua: parse_user_agent(ua) for ua in USER_AGENTS}


@dataclass
class SeedResult:
    customers_created: int
    officer_totp_secret: str
    officer_recovery_codes: list[str]


def _phone(rng: random.Random, country: str) -> str:
    # Numbers from ranges set aside for fiction/testing where a country has one.
    if country == "GB":
        return f"+447700900{rng.randint(0, 999):03d}"
    if country == "VN":
        return f"+8490{rng.randint(0, 9999999):07d}"
    if country == "US":
        return f"+1916555{rng.randint(100, 199):04d}"
    return f"+49301234{rng.randint(0, 9999):04d}"


def _customer(i: int, password_hash: str, now) -> User:
    rng = random.Random(i)
    country, city = rng.choice(CITIES)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    joined = now - timedelta(days=rng.randint(1, 900))
    email = f"customer{i:06d}@demo.example"
    return User(
        email=email,
        email_hash=address_hash(email),  # bulk_create skips save(), which keeps it otherwise
        password=password_hash,
        full_name=f"{first} {last}",
        phone=_phone(rng, country) if rng.random() < 0.7 else "",
        mailing_address=f"{rng.randint(1, 250)} {rng.choice(STREETS)}\n{city}",
        country=country,
        preferred_language="vi" if country == "VN" else "en",
        date_joined=joined,
        last_seen_at=now - timedelta(days=rng.randint(0, 500)),
    )


def login_events(user: User, count: int, rng: random.Random, now) -> list[LoginEvent]:
    events = []
    for _ in range(count):
        ua = rng.choice(USER_AGENTS)
        parsed = PARSED_AGENTS[ua]
        events.append(
            LoginEvent(
                user_id=user.pk,
                occurred_at=now - timedelta(days=rng.randint(0, 365), minutes=rng.randint(0, 1440)),
                ip_address=f"203.0.113.{rng.randint(1, 254)}",  # documentation range
                user_agent=ua,
                device=parsed.device,
                browser=parsed.browser,
                operating_system=parsed.operating_system,
                method=rng.choice(["password", "password", "google", "facebook"]),
                succeeded=rng.random() > 0.1,
            )
        )
    return events


def ensure_person(email: str, full_name: str, password_hash: str, **extra) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    if created := user is None:
        user = User(email=email, password=password_hash, full_name=full_name, **extra)
        user._change_reason = f"demo data [{SystemActor('seed_demo')}]"  # type: ignore[attr-defined]
        user.save()
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user, created


def _ensure_officer_mfa(officer: User) -> tuple[str, list[str]]:
    totp = Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).first()
    if totp is None:
        secret = generate_totp_secret()
        Authenticator.objects.create(user=officer, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)})
    else:
        secret = TOTP(totp).instance.data["secret"]
        from allauth.mfa.utils import decrypt

        secret = decrypt(secret)
    codes = Authenticator.objects.filter(user=officer, type=Authenticator.Type.RECOVERY_CODES).first()
    recovery = RecoveryCodes(codes) if codes else RecoveryCodes.activate(officer)
    return secret, recovery.get_unused_codes()


@dataclass(frozen=True)
class DemoSeed:
    """What every app's demo data builds on: the officer, the named customers (Alice, Bảo),
    and the one password hash every demo login shares."""

    officer: User
    customers: list[User]
    password_hash: str


def app_demo_hooks(hook: str) -> list[Callable]:
    """The function ``hook`` of every other installed app's demo module: ``seed(demo)`` for the
    named demo data, ``seed_customers(users, numbers, now)`` for a chunk of generated customers
    (bulk-inserted like theirs). Discovered, not imported by name, so this app (below the
    others) depends on none of them."""
    seeds = []
    for config in apps.get_app_configs():
        if config.name == "apps.accounts" or not config.name.startswith("apps."):
            continue
        name = f"{config.name}.demo"
        try:
            module = import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name != name:
                raise  # a demo module that exists but fails to import is a bug, not an absence
            continue
        if hasattr(module, hook):
            seeds.append(getattr(module, hook))
    return seeds


DEMO_ORGANISATION = {
    "name": "Example Music Streaming Ltd", "company_number": "00000000", "country": "GB",
    "address": "1 Example Square\nLondon EC1A 1AA\nUnited Kingdom", "phone": "+44 20 7946 0000",
    "contact_name": "Privacy team", "contact_email": "privacy@demo.example",
    "dpo_name": "Dana Protection", "dpo_email": "dpo@demo.example",
    "security_measures": "Encryption in transit (TLS) and at rest; access limited by staff role with two-factor "
    "sign-in; every staff look at customer content logged; backups tested; personal data erased or anonymised "
    "on the schedule in the retention rules.",
}  # fmt: skip


@transaction.atomic
def seed_demo(*, customers: int = 50) -> SeedResult:
    staff_roles_sync()
    now = timezone.now()
    password_hash = make_password(DEMO_PASSWORD)
    Organisation.objects.get_or_create(singleton=True, defaults=DEMO_ORGANISATION)
    officer, _ = ensure_person(OFFICER_EMAIL, "Olivia Officer", password_hash, is_staff=True, country="GB")
    officer.groups.add(Group.objects.get(name=PRIVACY_OFFICER))
    support, _ = ensure_person(SUPPORT_EMAIL, "Sam Support", password_hash, is_staff=True, country="GB")
    support.groups.add(Group.objects.get(name=SUPPORT_AGENT))
    secret, codes = _ensure_officer_mfa(officer)

    artists = {a.name: a for a in Artist.objects.all()}
    missing = [Artist(name=name) for name in ARTISTS if name not in artists]
    Artist.objects.bulk_create(missing)
    artists = {a.name: a for a in Artist.objects.all()}

    alice, alice_new = ensure_person(
        CUSTOMER_EMAILS[0],
        "Alice Example",
        password_hash,
        phone="+447700900123",
        country="GB",
        mailing_address="12 High Street\nLondon N1 9GU",
    )
    bao, bao_new = ensure_person(
        CUSTOMER_EMAILS[1],
        "Nguyễn Văn Bảo",
        password_hash,
        phone="+84901234567",
        country="VN",
        mailing_address="25 Phố Huế\nHai Bà Trưng, Hà Nội",
        preferred_language="vi",
    )
    if alice_new:
        rng = random.Random(1)
        LoginEvent.objects.bulk_create(login_events(alice, 6, rng, now))
        PublicProfile.objects.create(
            user=alice,
            handle="alice",
            display_name="Alice",
            show_display_name=True,
            show_follower_count=True,
            show_recent_artists=True,
        )
        ArtistFollow.objects.bulk_create(
            [
                ArtistFollow(user=alice, artist=artists[n], followed_at=now - timedelta(days=d))
                for d, n in enumerate(ARTISTS[:4])
            ]
        )
        SocialAccount.objects.create(
            user=alice, provider="google", uid="demo-google-alice", extra_data={"name": "Alice Example"}
        )
    if bao_new:
        LoginEvent.objects.bulk_create(login_events(bao, 4, random.Random(2), now))
        PublicProfile.objects.create(user=bao, handle="bao", display_name="Bảo")
        Follow.objects.create(follower=bao, followed=alice)

    # Each other app's demo data (its demo.py's seed), found by looking, in INSTALLED_APPS order.
    demo = DemoSeed(officer=officer, customers=[alice, bao], password_hash=password_hash)
    for seed in app_demo_hooks("seed"):
        seed(demo)
    created = _bulk_customers(customers, password_hash, now, artists=list(artists.values()))
    return SeedResult(customers_created=created, officer_totp_secret=secret, officer_recovery_codes=codes)


def _bulk_customers(total: int, password_hash: str, now, *, artists: list[Artist]) -> int:
    existing = set(
        User.objects.filter(email__startswith="customer", email__endswith="@demo.example").values_list(
            "email", flat=True
        )
    )
    wanted = [i for i in range(1, total + 1) if f"customer{i:06d}@demo.example" not in existing]
    others = app_demo_hooks("seed_customers")
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        users = User.objects.bulk_create([_customer(i, password_hash, now) for i in chunk], batch_size=BATCH)
        if users and users[0].pk is None:  # backends that do not return ids
            emails = [u.email for u in users]
            ids = dict(User.objects.filter(email__in=emails).values_list("email", "pk"))
            for u in users:
                u.pk = ids[u.email]
        _insert_dependents(users, chunk, now, artists)
        for seed in others:
            seed(users, chunk, now)
    return len(wanted)


def _insert_dependents(users: list[User], numbers: list[int], now, artists: list[Artist]) -> None:
    """History, verified addresses, login history, profiles, follows and social accounts for new users."""
    insert_rows(
        User.history.model,
        (
            "id",
            "reference",
            "email",
            "full_name",
            "phone",
            "mailing_address",
            "profile_picture",
            "country",
            "preferred_language",
            "status",
            "is_staff",
            "is_active",
            "is_superuser",
            "date_joined",
            "history_date",
            "history_type",
            "history_change_reason",
        ),
        (
            (
                u.pk,
                u.reference.hex if connection.vendor == "sqlite" else u.reference,
                u.email,
                u.full_name,
                u.phone,
                u.mailing_address,
                "",
                str(u.country),
                u.preferred_language,
                u.status,
                False,
                True,
                False,
                u.date_joined,
                u.date_joined,
                "+",
                "demo data [system:seed_demo]",
            )
            for u in users
        ),
    )
    insert_rows(EmailAddress, ("user_id", "email", "verified", "primary"), ((u.pk, u.email, True, True) for u in users))
    events, follows, profiles, socials = [], [], [], []
    for u, i in zip(users, numbers, strict=True):
        rng = random.Random(i * 7919)
        for e in login_events(u, rng.randint(1, 4), rng, now):
            events.append(
                (
                    u.pk,
                    e.occurred_at,
                    e.ip_address,
                    e.user_agent,
                    e.device,
                    e.browser,
                    e.operating_system,
                    e.method,
                    e.succeeded,
                )
            )
        profiles.append((u.pk, f"listener-{i:06d}", "", rng.random() < 0.3, False, rng.random() < 0.2, False, False))
        for artist in rng.sample(artists, k=rng.randint(0, 3)):
            follows.append((u.pk, artist.pk, now - timedelta(days=rng.randint(0, 300))))
        if rng.random() < 0.25:
            provider = rng.choice(["google", "facebook"])
            socials.append((u.pk, provider, f"demo-{provider}-{i}", u.date_joined, u.date_joined, "{}"))
    insert_rows(
        LoginEvent,
        (
            "user_id",
            "occurred_at",
            "ip_address",
            "user_agent",
            "device",
            "browser",
            "operating_system",
            "method",
            "succeeded",
        ),
        events,
    )
    insert_rows(
        PublicProfile,
        (
            "user_id",
            "handle",
            "display_name",
            "show_display_name",
            "show_avatar",
            "show_follower_count",
            "show_followers",
            "show_recent_artists",
        ),
        profiles,
    )
    insert_rows(ArtistFollow, ("user_id", "artist_id", "followed_at"), follows)
    insert_rows(SocialAccount, ("user_id", "provider", "uid", "last_login", "date_joined", "extra_data"), socials)
