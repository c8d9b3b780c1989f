"""A customer's content journey in Chromium: upload a voice clip, see it listed, refuse voice
clips (P-38) on the confirmation page that says what goes, and see the clip gone, from the page
and from storage."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from apps.service_data.models import ContentItem, OptionalKindRefusal
from apps.service_data.models.content import content_storage
from tests.browser.test_customer_journey import _log_in
from tests.factories import UserFactory
from tests.service_data.factories import wav_bytes

pytestmark = pytest.mark.usefixtures("transactional_db")


def test_upload_a_voice_clip_then_refuse_voice_clips_and_see_it_gone(live_server, page: Page, screenshot):
    base = live_server.url
    customer = UserFactory(email="voice.journey@example.test")
    _log_in(page, base, customer.email)
    page.goto(f"{base}/account/service/content/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your files")

    page.get_by_label("Kind of file").select_option("voice_clip")
    page.get_by_label("Title").fill("Note to self")
    clip = wav_bytes(seconds=0.2)
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "note-to-self.wav", "mimeType": "audio/wav", "buffer": clip}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_contain_text("“Note to self” was uploaded.")
    clips = page.locator("section[aria-labelledby=kind-voice_clip]")
    expect(clips.get_by_role("cell", name="Note to self", exact=True)).to_be_visible()
    expect(clips).to_contain_text("note-to-self.wav")
    screenshot("01-uploaded")
    item = ContentItem.objects.get(owner=customer)
    assert item.content_type == "audio/wav"
    assert item.size == len(clip)
    stored = item.file.name
    assert content_storage().exists(stored)

    # A spoofed file is refused with a message in the form, not a server error.
    page.get_by_label("Kind of file").select_option("voice_clip")
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "song.wav", "mimeType": "audio/wav", "buffer": b"<html>not audio</html>"}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".error-summary")).to_contain_text("We do not accept this file under “Voice clip”")
    assert ContentItem.objects.filter(owner=customer).count() == 1

    page.get_by_role("link", name="Refuse: Voice clips").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Refuse: Voice clips")
    expect(page.locator("main")).to_contain_text("We will delete the 1 item you gave us")
    screenshot("02-confirm-refusal")
    page.get_by_role("button", name="Refuse and delete").click()

    expect(page.get_by_role("status")).to_contain_text(
        "We will take no more voice clips, and deleted the 1 you gave us."
    )
    expect(page.locator("section[aria-labelledby=kind-voice_clip]")).to_contain_text("None.")
    expect(page.get_by_role("button", name="Allow: Voice clips")).to_be_visible()
    screenshot("03-refused")
    assert not ContentItem.objects.filter(owner=customer).exists()
    assert not content_storage().exists(stored)
    assert OptionalKindRefusal.objects.filter(subject=customer, kind="voice_clips").exists()

    # Refused, the kind takes no more: an upload is turned away with the way back.
    page.get_by_label("Kind of file").select_option("voice_clip")
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "again.wav", "mimeType": "audio/wav", "buffer": clip}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".error-summary")).to_contain_text(re.compile("You chose not to give us voice clips"))
    assert not ContentItem.objects.filter(owner=customer).exists()
