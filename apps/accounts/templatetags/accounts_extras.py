import phonenumbers
from django import template

register = template.Library()


@register.filter
def phone_display(value: str) -> str:
    """+442079460958 → +44 20 7946 0958: stored in E.164, shown the way people read it."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def device_name(user_agent: str) -> str:
    """A session's user agent as a readable device ("Firefox on Windows")."""
    from apps.accounts.domain import readable_device

    return readable_device(user_agent or "")
