"""Officers' admin for customers' content: what exists, read-only, without opening it.

There is no download link and no file field here: staff open a customer's content only under
a grant the customer approved or was told of (P-24, apps/disclosures content access), never
from the admin's lists.
"""

from __future__ import annotations

from django.contrib import admin
from django.template.defaultfilters import filesizeformat, truncatechars
from django.utils.translation import gettext_lazy as _

from apps.core.admin import FieldViewRuleMixin, ReadOnlyAdmin
from apps.service_data.models import ContentItem, OptionalKindRefusal, SharedPost


@admin.register(ContentItem)
class ContentItemAdmin(FieldViewRuleMixin, ReadOnlyAdmin):
    person_fields = ("owner",)
    list_display = ("title", "kind", "content_type", "size_shown", "owner", "created_at")
    list_filter = ("kind", "content_type", "created_at")
    search_fields = ("=owner__email", "=reference", "=sha256", "title")
    list_select_related = ("owner",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    # Everything but the stored file itself (and its name, which would point at it).
    fields = ("reference", "owner", "kind", "title", "original_name", "content_type", "size", "sha256", "created_at")
    readonly_fields = fields

    @admin.display(description=_("size"), ordering="size")
    def size_shown(self, obj: ContentItem) -> str:
        return filesizeformat(obj.size)


@admin.register(SharedPost)
class SharedPostAdmin(FieldViewRuleMixin, ReadOnlyAdmin):
    person_fields = ("author",)
    list_display = ("text_start", "author", "has_picture", "created_at")
    list_filter = ("created_at",)
    search_fields = ("=author__email", "=reference", "text")
    list_select_related = ("author",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = ("reference", "author", "text", "picture", "created_at")
    readonly_fields = fields

    @admin.display(description=_("text"))
    def text_start(self, obj: SharedPost) -> str:
        return truncatechars(obj.text, 80)

    @admin.display(description=_("picture"), boolean=True)
    def has_picture(self, obj: SharedPost) -> bool:
        return obj.picture_id is not None


@admin.register(OptionalKindRefusal)
class OptionalKindRefusalAdmin(FieldViewRuleMixin, ReadOnlyAdmin):
    person_fields = ("subject",)
    list_display = ("kind", "subject", "refused_at")
    list_filter = ("kind", "refused_at")
    search_fields = ("=subject__email",)
    list_select_related = ("subject",)
