"""The proof kept of closed rights requests is anonymised 3 years after they close (issue 14).

Only this one rule is added, with its values frozen here as they were when the migration was
written: the live seed (apps/retention/services/install.py) updates every rule to its seeded
values, which would reset the rules officers have edited, without a line of history. An
install that already has the rule keeps it as it is.

Edited in place on the day it was written (review finding 2), before any install outside
development had run it.
"""

from django.db import migrations
from django.utils import timezone

CODE = "closed-requests-proof"
RULE = {
    "order": 100,
    "target": "subject_requests.SubjectRequest",
    "category": "contact",
    "trigger": "request_closed",
    "period": 3,
    "unit": "years",
    "action": "anonymise",
    "legal_basis": "legal_obligation",
    "title_en": "Records of the privacy requests you made",
    "title_vi": "Hồ sơ các yêu cầu về quyền riêng tư bạn đã gửi",
    "explanation_en": (
        "We keep a record of each request you make about your data, and of how we answered it, for 3 years "
        "after it closes, as proof that it was handled; then your name, address and the request's link are "
        "removed from it."
    ),
    "explanation_vi": (
        "Chúng tôi lưu hồ sơ của mỗi yêu cầu bạn gửi về dữ liệu của mình, và cách chúng tôi trả lời, trong 3 năm "
        "sau khi yêu cầu kết thúc, làm bằng chứng rằng yêu cầu đã được xử lý; sau đó tên, địa chỉ và liên kết "
        "của yêu cầu được xóa khỏi hồ sơ."
    ),
}


def seed(apps, schema_editor):
    RetentionRule = apps.get_model("retention", "RetentionRule")
    rule, created = RetentionRule.objects.get_or_create(code=CODE, defaults=RULE)
    if created:
        HistoricalRetentionRule = apps.get_model("retention", "HistoricalRetentionRule")
        fields = [field.attname for field in RetentionRule._meta.concrete_fields]
        HistoricalRetentionRule.objects.create(
            **{name: getattr(rule, name) for name in fields},
            history_date=timezone.now(),
            history_type="+",
            history_change_reason="Seeded by migration retention 0007",
        )


class Migration(migrations.Migration):
    dependencies = [("retention", "0006_location_category")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
