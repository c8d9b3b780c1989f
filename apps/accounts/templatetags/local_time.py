"""The time zone a page's times are in, said once per page: ``{% times_in %}``."""

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.domain import time_zone_label

register = template.Library()


@register.simple_tag
def times_in() -> str:
    """ "Times in Asia/Ho_Chi_Minh (GMT+7)": the zone active now (the customer's, on their pages)."""
    return _("Times in %(zone)s") % {"zone": time_zone_label(timezone.get_current_timezone_name())}


@register.simple_tag
def current_zone() -> str:
    """The active zone with its offset, for a sentence: ``{% current_zone as zone %}``."""
    return time_zone_label(timezone.get_current_timezone_name())
