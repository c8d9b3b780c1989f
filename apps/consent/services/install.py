"""Seed the purposes the company's policies name, and a first policy version.

Officers edit these in the admin; this only gives a fresh install something true to start from.
Every consent-based purpose starts off for everyone (P-14): no state rows are created.

What a fresh install holds, seeded by a migration and put back by the tests after a flush
(tests/conftest.py): one function for both, so they cannot drift apart.
"""

from __future__ import annotations

from datetime import date

from django.apps import apps as django_apps
from django.apps.registry import Apps
from django.utils.translation import gettext_noop

C, LI, CT = "consent", "legitimate_interest", "contract"
PURPOSES = [
    # code, kind, basis, channel, marketing, order, English name, English text, Vietnamese name, Vietnamese text
    (
        "marketing-email",
        "processing",
        C,
        "email",
        True,
        10,
        "Offers by email",
        "Emails about our products, offers and events. At most a few a month.",
        "Ưu đãi qua email",
        "Email về sản phẩm, ưu đãi và sự kiện của chúng tôi. Nhiều nhất vài email mỗi tháng.",
    ),
    (
        "marketing-post",
        "processing",
        C,
        "post",
        True,
        20,
        "Offers by post",
        "Catalogues and offers sent to your mailing address.",
        "Ưu đãi qua bưu điện",
        "Danh mục sản phẩm và ưu đãi gửi đến địa chỉ nhận thư của bạn.",
    ),
    (
        "marketing-telephone",
        "processing",
        C,
        "telephone",
        True,
        30,
        "Offers by telephone",
        "Calls or text messages about offers to the phone number you gave us.",
        "Ưu đãi qua điện thoại",
        "Cuộc gọi hoặc tin nhắn về ưu đãi đến số điện thoại bạn đã cung cấp.",
    ),
    (
        "newsletter",
        "processing",
        C,
        "email",
        True,
        40,
        "Newsletter",
        "Our monthly newsletter: news, articles and new features.",
        "Bản tin",
        "Bản tin hằng tháng: tin tức, bài viết và tính năng mới.",
    ),
    (
        "surveys",
        "processing",
        C,
        "email",
        True,
        50,
        "Surveys, contests and prize draws",
        "Invitations to give feedback and to enter contests and prize draws.",
        "Khảo sát, cuộc thi và bốc thăm trúng thưởng",
        "Lời mời góp ý và tham gia các cuộc thi, chương trình bốc thăm trúng thưởng.",
    ),
    (
        "statistics",
        "processing",
        C,
        "",
        False,
        60,
        "Usage statistics",
        "Counting how the service is used, to improve it. Never used to single you out.",
        "Thống kê sử dụng",
        "Đếm cách dịch vụ được sử dụng để cải thiện nó. Không bao giờ dùng để nhận diện riêng bạn.",
    ),
    (
        "personalisation",
        "processing",
        C,
        "",
        False,
        70,
        "Personalisation",
        "Recommendations chosen from what you have looked at and followed.",
        "Cá nhân hóa",
        "Gợi ý được chọn dựa trên những gì bạn đã xem và theo dõi.",
    ),
    (
        "profiling",
        "processing",
        C,
        "",
        False,
        80,
        "Profiling for offers",
        "Grouping you with similar customers to choose which offers to show you.",
        "Lập hồ sơ cho ưu đãi",
        "Xếp bạn vào nhóm khách hàng tương tự để chọn ưu đãi hiển thị cho bạn.",
    ),
    (
        "cookies-necessary",
        "cookies",
        LI,
        "",
        False,
        1,
        "Strictly necessary cookies",
        "Keep you signed in, protect forms and remember your cookie choice. Always on.",
        "Cookie thiết yếu",
        "Giữ bạn đăng nhập, bảo vệ biểu mẫu và ghi nhớ lựa chọn cookie của bạn. Luôn bật.",
    ),
    (
        "cookies-preferences",
        "cookies",
        C,
        "",
        False,
        2,
        "Preference cookies",
        "Remember display choices such as dismissed notices.",
        "Cookie tùy chọn",
        "Ghi nhớ các lựa chọn hiển thị như thông báo đã đóng.",
    ),
    (
        "cookies-statistics",
        "cookies",
        C,
        "",
        False,
        3,
        "Statistics cookies",
        "Count visits and pages seen, with a random identifier, to improve the site.",
        "Cookie thống kê",
        "Đếm lượt truy cập và trang đã xem bằng một mã ngẫu nhiên để cải thiện trang web.",
    ),
    (
        "cookies-marketing",
        "cookies",
        C,
        "",
        False,
        4,
        "Marketing cookies",
        "Remember which campaign brought you here, to measure our advertising.",
        "Cookie tiếp thị",
        "Ghi nhớ chiến dịch nào đã đưa bạn đến đây để đo hiệu quả quảng cáo.",
    ),
]
COOKIES = {
    "cookies-necessary": [
        {
            "name": "sessionid",
            "provider": gettext_noop("this site"),
            "duration": gettext_noop("2 weeks"),
            "purpose": gettext_noop("sign-in session"),
        },
        {
            "name": "csrftoken",
            "provider": gettext_noop("this site"),
            "duration": gettext_noop("1 year"),
            "purpose": gettext_noop("form protection"),
        },
        {
            "name": "pp_consent",
            "provider": gettext_noop("this site"),
            "duration": gettext_noop("6 months"),
            "purpose": gettext_noop("your cookie choice"),
        },
        {
            "name": "django_language",
            "provider": gettext_noop("this site"),
            "duration": gettext_noop("session"),
            "purpose": gettext_noop("the language you chose"),
        },
    ],
    "cookies-preferences": [
        {
            "name": "pp_dismissed",
            "provider": gettext_noop("this site"),
            "duration": gettext_noop("1 year"),
            "purpose": gettext_noop("notices you closed"),
        },
    ],
    "cookies-statistics": [
        {
            "name": "pp_analytics",
            "provider": gettext_noop("this site"),
            "duration": gettext_noop("1 year"),
            "purpose": gettext_noop("a random visitor id"),
        },
    ],
    "cookies-marketing": [
        {
            "name": "pp_campaign",
            "provider": gettext_noop("this site"),
            "duration": gettext_noop("30 days"),
            "purpose": gettext_noop("the campaign you came from"),
        },
    ],
}


def install_data_seed(*, apps: Apps = django_apps) -> None:
    """Put in what a fresh install holds (idempotent): migrations call it with their
    registry, the tests after a flush with the live one."""
    Purpose = apps.get_model("consent", "Purpose")
    PolicyVersion = apps.get_model("consent", "PolicyVersion")
    for code, kind, basis, channel, marketing, order, name_en, text_en, name_vi, text_vi in PURPOSES:
        Purpose.objects.get_or_create(
            code=code,
            defaults={
                "kind": kind,
                "legal_basis": basis,
                "channel": channel,
                "is_marketing": marketing,
                "display_order": order,
                "name_en": name_en,
                "description_en": text_en,
                "name_vi": name_vi,
                "description_vi": text_vi,
                "cookies": COOKIES.get(code, []),
            },
        )
    PolicyVersion.objects.get_or_create(
        version="1.0",
        defaults={
            "effective_on": date(2026, 1, 1),
            "summary_en": "First published version.",
            "summary_vi": "Phiên bản công bố đầu tiên.",
            "body_en": "This privacy policy explains what personal data we keep, why, for how long, "
            "who we share it with and how you exercise your rights. (Replace with your own policy.)",
            "body_vi": "Chính sách quyền riêng tư này giải thích chúng tôi lưu giữ dữ liệu cá nhân nào, vì sao, "
            "trong bao lâu, chia sẻ với ai và cách bạn thực hiện các quyền của mình. "
            "(Hãy thay bằng chính sách của bạn.)",
        },
    )
