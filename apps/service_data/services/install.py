"""The retention rules of the service's data (P-09, P-41, P-42, P-43), as editable data.

Seeded like the retention app's own (apps/retention/services/install.py): a data migration
calls ``install_data_seed`` with its registry, the tests after a flush with the live one
(tests/conftest.py), so the two cannot drift apart. Officers change periods in the admin.

Where the policies name a period it is used as written: invoices and payments are tax
records, kept 5 years then anonymised (DiJo §7, P-41); data tied to an unpaid debt is kept
until it is settled (Diijam §6, P-42: the invoice's legal hold, not a rule). Google calendar
data is kept while the account is active (DJC System), which the inactivity and deletion
rules already end. The other periods are the company's choice, explained to the customer:

- content, shared posts, calendar and product set-up serve the customer's account and go
  with it (14 days after the account is deleted, as the account deletion rule says);
- location, the most sensitive of them, 6 months: enough for the features that use it;
- usage 24 months: longer than the 12 months of inactivity it is measured against (P-43), so
  deleting old usage can never make an active account look abandoned;
- call history 24 months: the bills it explains and any dispute about them;
- support communications 3 years: a complaint can come back within the usual limitation
  period, and the notes are what the company answers with.

The Vietnamese texts need a native legal review, as the retention app's do.
"""

from __future__ import annotations

from django.apps import apps as django_apps
from django.apps.registry import Apps

CLOSED_GRACE = {"trigger": "account_closed", "period": 14, "unit": "days", "action": "delete"}

RULES = [
    {
        "code": "service-content",
        # After the shared posts (100): the purge deletes raw, so a post must be gone before
        # the picture it points at.
        "order": 110,
        "target": "service_data.ContentItem",
        "category": "content",
        **CLOSED_GRACE,
        "legal_basis": "contract",
        "title_en": "Files, pictures, videos and voice clips you upload",
        "title_vi": "Tệp, hình ảnh, video và đoạn ghi âm bạn tải lên",
        "explanation_en": (
            "Kept while you have an account, until you delete them or refuse that kind of data. When your "
            "account is deleted, they are deleted with it after 14 days, files included."
        ),
        "explanation_vi": (
            "Được lưu trong thời gian bạn có tài khoản, cho đến khi bạn xóa chúng hoặc từ chối loại dữ liệu đó. "
            "Khi tài khoản của bạn bị xóa, chúng bị xóa theo sau 14 ngày, kể cả các tệp."
        ),
    },
    {
        "code": "service-shared-posts",
        "order": 100,
        "target": "service_data.SharedPost",
        "category": "content",
        **CLOSED_GRACE,
        "legal_basis": "contract",
        "title_en": "Text and pictures you share",
        "title_vi": "Văn bản và hình ảnh bạn chia sẻ",
        "explanation_en": (
            "Kept while you have an account or until you delete them, and deleted 14 days after your account is."
        ),
        "explanation_vi": (
            "Được lưu trong thời gian bạn có tài khoản hoặc cho đến khi bạn xóa, và bị xóa 14 ngày sau khi "
            "tài khoản của bạn bị xóa."
        ),
    },
    {
        "code": "service-calendar",
        "order": 120,
        "target": "service_data.CalendarEntry",
        "category": "content",
        **CLOSED_GRACE,
        "legal_basis": "consent",
        "title_en": "Your calendar, including what we import from Google",
        "title_vi": "Lịch của bạn, kể cả dữ liệu nhập từ Google",
        "explanation_en": (
            "Kept only while your account is active: if you do not use it for 12 months, or delete it, your "
            "calendar is deleted with it. No Google access key is kept after an import."
        ),
        "explanation_vi": (
            "Chỉ được lưu khi tài khoản của bạn còn hoạt động: nếu bạn không sử dụng trong 12 tháng, hoặc xóa tài "
            "khoản, lịch của bạn bị xóa theo. Không giữ lại khóa truy cập Google nào sau khi nhập."
        ),
    },
    {
        "code": "service-configuration",
        "order": 130,
        "target": "service_data.ProductConfiguration",
        "category": "preferences",
        **CLOSED_GRACE,
        "legal_basis": "contract",
        "title_en": "How you set up the product",
        "title_vi": "Cách bạn thiết lập sản phẩm",
        "explanation_en": "Kept while you have an account, and deleted 14 days after your account is.",
        "explanation_vi": "Được lưu trong thời gian bạn có tài khoản, và bị xóa 14 ngày sau khi tài khoản bị xóa.",
    },
    {
        "code": "service-location",
        "order": 140,
        "target": "service_data.LocationRecord",
        "category": "location",
        "trigger": "record_age",
        "age_field": "recorded_at",
        "period": 6,
        "unit": "months",
        "action": "delete",
        "legal_basis": "consent",
        "title_en": "Your location",
        "title_vi": "Vị trí của bạn",
        "explanation_en": (
            "Recorded only while you have location features switched on, and each record is deleted after 6 months."
        ),
        "explanation_vi": (
            "Chỉ được ghi lại khi bạn bật các tính năng dùng vị trí, và mỗi bản ghi bị xóa sau 6 tháng."
        ),
    },
    {
        "code": "service-usage",
        "order": 150,
        "target": "service_data.UsageEvent",
        "category": "usage",
        "trigger": "record_age",
        "age_field": "occurred_at",
        "period": 24,
        "unit": "months",
        "action": "delete",
        "legal_basis": "legitimate_interest",
        "title_en": "How you use the product",
        "title_vi": "Cách bạn sử dụng sản phẩm",
        "explanation_en": (
            "The features you use and when, kept for 24 months to improve the product and to tell an account "
            "in use from an abandoned one, then deleted."
        ),
        "explanation_vi": (
            "Các tính năng bạn dùng và thời điểm dùng, được lưu 24 tháng để cải thiện sản phẩm và phân biệt tài "
            "khoản đang dùng với tài khoản bị bỏ, sau đó bị xóa."
        ),
    },
    {
        "code": "service-calls",
        "order": 160,
        "target": "service_data.CallRecord",
        "category": "communications",
        "trigger": "record_age",
        "age_field": "started_at",
        "period": 24,
        "unit": "months",
        "action": "delete",
        "legal_basis": "contract",
        "title_en": "Your call history (date, duration, cost)",
        "title_vi": "Lịch sử cuộc gọi của bạn (ngày, thời lượng, chi phí)",
        "explanation_en": (
            "Kept for 24 months to explain your bills and settle any question about them, then deleted. We "
            "never record what is said."
        ),
        "explanation_vi": (
            "Được lưu 24 tháng để giải thích hóa đơn của bạn và giải quyết mọi thắc mắc về chúng, sau đó bị xóa. "
            "Chúng tôi không bao giờ ghi âm nội dung cuộc gọi."
        ),
    },
    {
        "code": "service-support",
        "order": 170,
        "target": "service_data.SupportCommunication",
        "category": "communications",
        "trigger": "record_age",
        "age_field": "occurred_at",
        "period": 3,
        "unit": "years",
        "action": "delete",
        "legal_basis": "legitimate_interest",
        "title_en": "Your emails and calls with our support",
        "title_vi": "Email và cuộc gọi của bạn với bộ phận hỗ trợ",
        "explanation_en": (
            "Kept for 3 years, so that we can follow up on a question or complaint you raise again, then deleted."
        ),
        "explanation_vi": (
            "Được lưu 3 năm để chúng tôi có thể theo dõi khi bạn nêu lại một câu hỏi hoặc khiếu nại, sau đó bị xóa."
        ),
    },
    {
        "code": "service-invoices",
        "order": 180,
        "target": "service_data.Invoice",
        "category": "financial",
        "trigger": "record_age",
        "age_field": "issued_on",
        "period": 5,
        "unit": "years",
        "action": "anonymise",
        "legal_basis": "legal_obligation",
        "title_en": "Your invoices",
        "title_vi": "Hóa đơn của bạn",
        "explanation_en": (
            "Tax law makes us keep each invoice, with the name and address it was issued to, for 5 years after "
            "it is issued, even after your account is deleted. Then it is anonymised. An unpaid invoice keeps "
            "your billing data until it is paid."
        ),
        "explanation_vi": (
            "Luật thuế yêu cầu chúng tôi lưu mỗi hóa đơn, cùng tên và địa chỉ ghi trên đó, trong 5 năm kể từ ngày "
            "phát hành, kể cả sau khi tài khoản của bạn bị xóa. Sau đó hóa đơn được ẩn danh hóa. Hóa đơn chưa "
            "thanh toán giữ lại dữ liệu thanh toán của bạn cho đến khi được thanh toán."
        ),
    },
    {
        "code": "service-payments",
        "order": 190,
        "target": "service_data.Payment",
        "category": "financial",
        "trigger": "record_age",
        "age_field": "invoice__issued_on",
        "period": 5,
        "unit": "years",
        "action": "anonymise",
        "legal_basis": "legal_obligation",
        "title_en": "Your payments",
        "title_vi": "Các khoản thanh toán của bạn",
        "explanation_en": (
            "Payments are taken by our payment provider, who keeps your card details: we never store a card "
            "number. We keep the provider's reference and the amount for 5 years after the invoice, then "
            "anonymise them."
        ),
        "explanation_vi": (
            "Các khoản thanh toán do nhà cung cấp dịch vụ thanh toán xử lý và họ giữ thông tin thẻ của bạn: chúng "
            "tôi không bao giờ lưu số thẻ. Chúng tôi lưu mã tham chiếu của nhà cung cấp và số tiền trong 5 năm kể "
            "từ ngày lập hóa đơn, sau đó ẩn danh hóa."
        ),
    },
]

CODES = [rule["code"] for rule in RULES]


def install_data_seed(*, apps: Apps = django_apps) -> None:
    """Put in the service's retention rules (idempotent): the migration calls it with its
    registry, the tests after a flush with the live one."""
    RetentionRule = apps.get_model("retention", "RetentionRule")
    for rule in RULES:
        RetentionRule.objects.update_or_create(code=rule["code"], defaults=rule)
