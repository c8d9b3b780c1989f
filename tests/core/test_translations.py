"""English and Vietnamese: every string of ours, and the allauth screens we show."""

from pathlib import Path

import polib
import pytest

from tests.helpers import ROOT

CATALOGUE = ROOT / "locale" / "vi" / "LC_MESSAGES"


def test_it_translates_every_string_in_the_vietnamese_catalogue():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    missing = [entry.msgid for entry in po if not entry.obsolete and not entry.translated()]
    assert missing == []


def test_it_ships_a_compiled_catalogue_matching_the_source():
    # make run needs no gettext: the .mo is committed, so it must not drift from the .po.
    po = polib.pofile(str(CATALOGUE / "django.po"))
    mo = polib.mofile(str(CATALOGUE / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr or e.msgstr_plural.get(0)) for e in mo}
    for entry in po.translated_entries():
        expected = entry.msgstr or entry.msgstr_plural.get(0)
        assert compiled.get((entry.msgctxt, entry.msgid)) == expected, entry.msgid


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "english", "vietnamese"),
    [
        ("/", "Your data, your choices", "Dữ liệu của bạn"),
        ("/accounts/login/", "Sign in", "Đăng nhập"),
        ("/accounts/signup/", "Create an account", "Đăng ký"),
        ("/accounts/password/reset/", "Reset your password", "mật khẩu"),
    ],
)
def test_it_shows_our_pages_and_allauths_in_vietnamese(client, path, english, vietnamese):
    client.cookies["django_language"] = "vi"
    page = client.get(path).content.decode()
    assert '<html lang="vi">' in page
    assert vietnamese.lower() in page.lower()
    client.cookies["django_language"] = "en"
    assert english in client.get(path).content.decode()


def test_it_keeps_catalogue_files_where_the_makefile_expects_them():
    assert (ROOT / "locale" / "vi" / "allauth.po").is_file()
    assert Path(CATALOGUE / "django.po").is_file()
