"""Requests from the public form that nobody confirmed expire after 7 days, with the identity
data they gave (P-31)."""

from django.db import migrations

RULE = {
    "code": "unconfirmed-requests",
    "order": 90,
    "target": "subject_requests.SubjectRequest",
    "category": "contact",
    "trigger": "record_age",
    "age_field": "created_at",
    "period": 7,
    "unit": "days",
    "action": "anonymise",
    "legal_basis": "legitimate_interest",
    "title_en": "Requests you did not confirm",
    "title_vi": "Yêu cầu bạn chưa xác nhận",
    "explanation_en": (
        "A request sent from our public form that is not confirmed from the email we send within 7 days "
        "expires, and the name, address and details given with it are deleted."
    ),
    "explanation_vi": (
        "Yêu cầu gửi từ biểu mẫu công khai mà không được xác nhận qua email chúng tôi gửi trong vòng 7 ngày sẽ "
        "hết hạn, và tên, địa chỉ cùng các chi tiết kèm theo sẽ bị xóa."
    ),
}


def seed(apps, schema_editor):
    apps.get_model("retention", "RetentionRule").objects.update_or_create(code=RULE["code"], defaults=RULE)


class Migration(migrations.Migration):
    dependencies = [("retention", "0003_deletion_status_label")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
