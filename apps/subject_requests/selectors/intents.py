"""The rights in plain words (#16): five things a customer may want, each leading to the request
type (or types) that does it, with what happens next and how long it takes under the law their
request falls under. Read by the signed-in chooser and the public form; the types themselves and
what they do are unchanged."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.subject_requests.models import Jurisdiction, RequestType
from apps.subject_requests.selectors.jurisdictions import jurisdiction_for


@dataclass(frozen=True)
class Option:
    """One request type as the chooser words it."""

    request_type: str
    label: Promise
    explanation: Promise


@dataclass(frozen=True)
class Intent:
    key: str
    title: Promise
    next_steps: Promise
    options: tuple[Option, ...]
    # "Stop a use": uses you agreed to are switched off on Privacy choices, not by a request.
    sends_consent_to_choices: bool = False


INTENTS: tuple[Intent, ...] = (
    Intent(
        "copy",
        gettext_lazy("Get a copy of my data"),
        gettext_lazy(
            "We prepare a download of everything we hold about you, with a page explaining each file, and "
            "email you when it is ready."
        ),
        (
            Option(
                RequestType.ACCESS,
                gettext_lazy("A copy to read"),
                gettext_lazy("Your data and how we use it, who we share it with and how long we keep it."),
            ),
            Option(
                RequestType.PORTABILITY,
                gettext_lazy("A copy to take to another service"),
                gettext_lazy("The data you gave us, in files another service can import (JSON and CSV)."),
            ),
        ),
    ),
    Intent(
        "correct",
        gettext_lazy("Correct something"),
        gettext_lazy("Tell us what is wrong or missing. We correct it and tell you what we changed."),
        (
            Option(
                RequestType.RECTIFICATION,
                gettext_lazy("Correct my details"),
                gettext_lazy("Details about you that are wrong, out of date or incomplete."),
            ),
        ),
    ),
    Intent(
        "delete",
        gettext_lazy("Delete my data"),
        gettext_lazy(
            "Our privacy team checks the request, then your data is erased and your account closed. We tell you "
            "what was erased and what the law makes us keep."
        ),
        (
            Option(
                RequestType.ERASURE,
                gettext_lazy("Erase my data"),
                gettext_lazy(
                    "Everything we hold about you, except records the law makes us keep. Erasure cannot be undone."
                ),
            ),
        ),
    ),
    Intent(
        "stop",
        gettext_lazy("Stop a use of my data"),
        gettext_lazy("Choose the kind of use. We tell you what we stopped; marketing stops at once."),
        (
            Option(
                RequestType.OBJECTION,
                gettext_lazy("Object to a use, such as marketing"),
                gettext_lazy(
                    "A use we make without asking you first, for our own interests. Marketing stops at once and "
                    "for good; any other use stops unless we have overriding grounds, which we explain."
                ),
            ),
            Option(
                RequestType.RESTRICTION,
                gettext_lazy("Pause a use while something is settled"),
                gettext_lazy(
                    "We keep your data but do not use it, for example while we check whether it is correct or "
                    "whether we may use it."
                ),
            ),
            Option(
                RequestType.STOP_PROCESSING,
                gettext_lazy("Stop using my data altogether"),
                gettext_lazy("Every use we may stop; we tell you what the law makes us keep doing, and why."),
            ),
        ),
        sends_consent_to_choices=True,
    ),
    Intent(
        "complain",
        gettext_lazy("Complain"),
        gettext_lazy(
            "Tell us what went wrong. Our privacy team looks into it and writes back with what we found and did."
        ),
        (
            Option(
                RequestType.COMPLAINT,
                gettext_lazy("Tell us about a concern"),
                gettext_lazy("How we handled your data, or a request of yours."),
            ),
        ),
    ),
)

# Every type the chooser offers; withdrawal of consent is not among them (Privacy choices).
CHOOSER_TYPES = [option.request_type for intent in INTENTS for option in intent.options]


@dataclass(frozen=True)
class PlainWords:
    """A request as its page titles it: what the person wanted, in the chooser's words, then the
    choice they made and the type's own (legal) name as secondary text."""

    title: str
    choice: str  # the chooser's option, when it says more than the title
    legal: str  # the type's name, when it is not already one of the above


def plain_words(request_type: str) -> PlainWords:
    legal = str(RequestType(request_type).label) if request_type in RequestType.values else request_type
    for intent in INTENTS:
        for option in intent.options:
            if option.request_type == request_type:
                title, choice = str(intent.title), str(option.label)
                choice = "" if choice == title else choice
                return PlainWords(title, choice, "" if legal in (title, choice) else legal)
    return PlainWords(legal, "", "")  # withdrawal of consent, filed from Privacy choices: its own name


@dataclass(frozen=True)
class Timing:
    """How long one law gives: "We answer within 1 month (UK GDPR)." """

    code: str  # the jurisdiction's, so the public form's script can show only the one picked
    text: str


@dataclass
class ShownOption:
    option: Option
    times: list[Timing] = field(default_factory=list)  # only those that differ from the intent's

    @property
    def answer_within(self) -> str:
        return " ".join(time.text for time in self.times)


@dataclass
class ShownIntent:
    intent: Intent
    times: list[Timing]
    options: list[ShownOption] = field(default_factory=list)

    @property
    def answer_within(self) -> str:
        return " ".join(time.text for time in self.times)


def answer_within(jurisdiction: Jurisdiction | None, request_type: str) -> str:
    """ "We answer within 1 month (UK GDPR)": the rule in force today for ``request_type``."""
    if jurisdiction is None:
        return ""
    try:
        period = jurisdiction.terms(request_type).respond
    except (ObjectDoesNotExist, ValidationError):
        return ""  # a jurisdiction without a rule: no promise rather than a wrong one
    return _("We answer within %(period)s (%(law)s).") % {"period": period, "law": jurisdiction.display_name}


def customer_jurisdiction(country: str = "") -> Jurisdiction | None:
    """The law a request from someone in ``country`` falls under (the default one without a country)."""
    try:
        return jurisdiction_for(country=country)
    except ValidationError:
        return None


def laws_offered() -> list[Jurisdiction]:
    """Every law a request may be filed under, each with its rules read once (the public form
    lists each one's timing when the person has not picked one)."""
    return list(Jurisdiction.objects.with_rules().prefetch_related("rules").order_by("name"))


def intents_for(jurisdiction: Jurisdiction | None, *, each_of: list[Jurisdiction] | None = None) -> list[ShownIntent]:
    """The intents, timed under ``jurisdiction``, or under each law of ``each_of`` (one line each)."""
    laws = each_of if each_of is not None else [jurisdiction] if jurisdiction is not None else []
    shown = []
    for intent in INTENTS:
        first = {law.code: answer_within(law, intent.options[0].request_type) for law in laws}
        options = []
        for option in intent.options:
            own = [(law.code, answer_within(law, option.request_type)) for law in laws]
            options.append(ShownOption(option, [Timing(code, text) for code, text in own if text != first[code]]))
        shown.append(ShownIntent(intent, [Timing(code, text) for code, text in first.items() if text], options))
    return shown
