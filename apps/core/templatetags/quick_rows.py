"""``{% quick_result_list cl %}``: Django's ``{% result_list cl %}`` (the same template, which a model
or app may override as Django's allows), its rows drawn once per page per column (apps/core/admin/rows.py)."""

from __future__ import annotations

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from apps.core.admin.rows import quick_result_list

register = template.Library()


@register.tag(name="quick_result_list")
def quick_result_list_tag(parser, token):
    return InclusionAdminNode(
        parser, token, func=quick_result_list, template_name="change_list_results.html", takes_context=False
    )
