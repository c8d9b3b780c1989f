"""The retention rules the five policies promise (P-09, P-32, P-40, P-41), as editable data.

Periods marked in the policies are seeded as written; officers change them in the admin
(every change recorded). The Vietnamese texts need a native legal review.

What a fresh install holds, seeded by a migration and put back by the tests after a flush
(tests/conftest.py): one function for both, so they cannot drift apart.
"""

from __future__ import annotations

from django.apps import apps as django_apps
from django.apps.registry import Apps

RULES = [
    {
        "code": "inactive-accounts",
        "order": 10,
        "target": "accounts.User",
        "category": "account",
        "trigger": "account_inactive",
        "period": 12,
        "unit": "months",
        "action": "delete",
        "warning_days": "30,7",
        "legal_basis": "legitimate_interest",
        "title_en": "Your account, if you stop using it",
        "title_vi": "Tài khoản của bạn, nếu bạn ngừng sử dụng",
        "explanation_en": (
            "If you do not sign in for 12 months, we delete your account and its data. We email you 30 days "
            "and again 7 days before; signing in at any time keeps your account."
        ),
        "explanation_vi": (
            "Nếu bạn không đăng nhập trong 12 tháng, chúng tôi sẽ xóa tài khoản và dữ liệu của bạn. Chúng tôi "
            "gửi email cho bạn trước 30 ngày và một lần nữa trước 7 ngày; chỉ cần đăng nhập là tài khoản được giữ lại."
        ),
    },
    {
        "code": "account-deletion",
        "order": 20,
        "target": "accounts.User",
        "category": "account",
        "trigger": "account_closed",
        "period": 14,
        "unit": "days",
        "action": "delete",
        "legal_basis": "contract",
        "title_en": "Your data after you delete your account",
        "title_vi": "Dữ liệu của bạn sau khi bạn xóa tài khoản",
        "explanation_en": (
            "We wait 14 days, so you can change your mind by signing in, and then erase your personal data, "
            "except the records described below that the law requires us to keep."
        ),
        "explanation_vi": (
            "Chúng tôi chờ 14 ngày để bạn có thể đổi ý bằng cách đăng nhập, sau đó xóa dữ liệu cá nhân của bạn, "
            "trừ các hồ sơ mô tả bên dưới mà pháp luật yêu cầu chúng tôi lưu giữ."
        ),
    },
    {
        "code": "closed-account-records",
        "order": 30,
        "target": "accounts.User",
        "category": "account",
        "trigger": "account_closed",
        "period": 5,
        "unit": "years",
        "action": "anonymise",
        "legal_basis": "legal_obligation",
        "title_en": "Records kept for tax, legal or dispute reasons",
        "title_vi": "Hồ sơ lưu giữ vì lý do thuế, pháp lý hoặc tranh chấp",
        "explanation_en": (
            "When an account closes, the few records that tax law or a possible dispute requires (such as when "
            "the account existed) are kept for 5 years, then anonymised."
        ),
        "explanation_vi": (
            "Khi tài khoản đóng, một số ít hồ sơ mà luật thuế hoặc một tranh chấp có thể xảy ra yêu cầu (như thời "
            "gian tài khoản tồn tại) được lưu giữ 5 năm, sau đó được ẩn danh hóa."
        ),
    },
    {
        "code": "login-history",
        "order": 40,
        "target": "accounts.LoginEvent",
        "category": "technical",
        "trigger": "record_age",
        "age_field": "occurred_at",
        "period": 12,
        "unit": "months",
        "action": "delete",
        "legal_basis": "legitimate_interest",
        "title_en": "Your sign-in history",
        "title_vi": "Lịch sử đăng nhập của bạn",
        "explanation_en": "Each sign-in (time, device, IP address) is kept for 12 months to protect your account.",
        "explanation_vi": (
            "Mỗi lần đăng nhập (thời gian, thiết bị, địa chỉ IP) được lưu 12 tháng để bảo vệ tài khoản của bạn."
        ),
    },
    {
        "code": "data-exports",
        "order": 50,
        "target": "personal_data.DataExport",
        "category": "content",
        "trigger": "record_age",
        "age_field": "created_at",
        "period": 7,
        "unit": "days",
        "action": "delete",
        "legal_basis": "legal_obligation",
        "title_en": "Copies of your data you download",
        "title_vi": "Bản sao dữ liệu bạn tải xuống",
        "explanation_en": "A copy of your data that you ask for is deleted 7 days after it is made.",
        "explanation_vi": "Bản sao dữ liệu bạn yêu cầu sẽ bị xóa 7 ngày sau khi được tạo.",
    },
    {
        "code": "social-tokens",
        "order": 60,
        "target": "socialaccount.SocialToken",
        "category": "account",
        "trigger": "record_age",
        "age_field": "account__last_login",
        "period": 1,
        "unit": "hours",
        "action": "delete",
        "legal_basis": "contract",
        "title_en": "Access keys from Google or Facebook sign-in",
        "title_vi": "Khóa truy cập từ đăng nhập Google hoặc Facebook",
        "explanation_en": "Kept only while you sign in with them, and deleted within an hour.",
        "explanation_vi": "Chỉ được giữ trong lúc bạn đăng nhập bằng chúng và bị xóa trong vòng một giờ.",
    },
    {
        "code": "consent-evidence",
        "order": 70,
        "target": "consent.ConsentEvent",
        "category": "preferences",
        "trigger": "account_closed",
        "period": 5,
        "unit": "years",
        "action": "delete",
        "legal_basis": "legal_obligation",
        "title_en": "Proof of your consent choices",
        "title_vi": "Bằng chứng về các lựa chọn đồng ý của bạn",
        "explanation_en": (
            "Each choice you make is kept while you have an account and for 5 years after, so we can show we "
            "respected it. After your account is deleted it no longer names you."
        ),
        "explanation_vi": (
            "Mỗi lựa chọn của bạn được lưu trong thời gian bạn có tài khoản và thêm 5 năm sau đó, để chúng tôi "
            "chứng minh đã tôn trọng lựa chọn đó. Sau khi tài khoản bị xóa, hồ sơ không còn nêu tên bạn."
        ),
    },
    {
        "code": "disclosure-records",
        "order": 80,
        "target": "disclosures.DisclosureSubject",
        "category": "account",
        "trigger": "record_age",
        "age_field": "disclosure__disclosed_at",
        "period": 5,
        "unit": "years",
        "action": "anonymise",
        "legal_basis": "legal_obligation",
        "title_en": "Records of when we shared your data",
        "title_vi": "Hồ sơ về việc chúng tôi chia sẻ dữ liệu của bạn",
        "explanation_en": (
            "Kept for the period the law requires (5 years). After that a record keeps only a pseudonymous code "
            "instead of a link to your account: the register is sealed so that nobody can alter it unnoticed."
        ),
        "explanation_vi": (
            "Được lưu trong thời hạn pháp luật yêu cầu (5 năm). Sau đó, hồ sơ chỉ giữ một mã bí danh thay cho liên "
            "kết tới tài khoản của bạn: sổ đăng ký được niêm phong để không ai có thể sửa đổi mà không bị phát hiện."
        ),
    },
]

# Requests from the public form that nobody confirmed expire after 7 days, with the identity
# data they gave (P-31); first seeded by migration 0004.
RULES.append(
    {
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
)

# The proof that a rights request was handled (who asked, by which address, the link they were
# sent) is kept 3 years after the request closes (the CCPA regulations ask for at least 24
# months of request records, 11 CCR §7101), then anonymised with its history; the request's
# type, dates and outcome stay, free of the person. First seeded by migration 0007.
RULES.append(
    {
        "code": "closed-requests-proof",
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
)


def install_data_seed(*, apps: Apps = django_apps) -> None:
    """Put in what a fresh install holds (idempotent): migrations call it with their
    registry, the tests after a flush with the live one."""
    RetentionRule = apps.get_model("retention", "RetentionRule")
    for rule in RULES:
        RetentionRule.objects.update_or_create(code=rule["code"], defaults=rule)
    apps.get_model("retention", "RetentionLock").objects.get_or_create(pk=1)
