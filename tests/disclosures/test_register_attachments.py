"""Documents kept with a disclosure: private, checksummed, added but never removed."""

import hashlib

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.disclosures.models import DisclosureAttachment
from tests.disclosures.factories import record

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def entry(officer, customer):
    return record(actor=officer, subjects=[customer])


def test_it_attaches_a_document_in_private_storage_with_its_checksum(client_as, entry, officer):
    url = reverse("admin:disclosures_disclosure_attach", args=[entry.pk])
    response = client_as("officer").post(url, {"file": SimpleUploadedFile("order.pdf", PDF, "application/pdf")})
    assert response.status_code == 302
    attachment = DisclosureAttachment.objects.get()
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.content_type == "application/pdf"
    assert attachment.uploaded_by == officer
    assert attachment.file.path.startswith(str(settings.STORAGES["default"]["OPTIONS"]["location"]))
    assert "order" not in attachment.file.name  # random stored name
    with pytest.raises(PermissionError):
        attachment.delete()


def test_it_serves_a_document_only_to_staff_who_may_read_the_register(client_as, entry):
    client_as("officer").post(
        reverse("admin:disclosures_disclosure_attach", args=[entry.pk]),
        {"file": SimpleUploadedFile("order.pdf", PDF, "application/pdf")},
    )
    attachment = DisclosureAttachment.objects.get()
    url = reverse("admin:disclosures_disclosure_attachment", args=[entry.pk, attachment.reference])
    response = client_as("auditor").get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF
    assert client_as("support_agent").get(url).status_code == 403
    assert client_as("customer").get(url).status_code == 302


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("order.pdf", b"MZ\x90\x00binary", "Attach a PDF, PNG, JPEG or plain-text file."),
        ("empty.pdf", b"", "Attach a file of up to 20 MB."),
    ],
)
def test_it_refuses_files_that_are_not_documents(client_as, entry, name, content, message):
    url = reverse("admin:disclosures_disclosure_attach", args=[entry.pk])
    response = client_as("officer").post(url, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert message in response.content.decode() or "The submitted file is empty" in response.content.decode()
    assert not DisclosureAttachment.objects.exists()


def test_it_answers_404_for_a_malformed_entry_id(client_as):
    assert client_as("officer").get("/admin/disclosures/disclosure/abc/attach/").status_code == 404


def test_it_refuses_to_delete_attachments_in_bulk(client_as, entry):
    client_as("officer").post(
        reverse("admin:disclosures_disclosure_attach", args=[entry.pk]),
        {"file": SimpleUploadedFile("order.pdf", PDF, "application/pdf")},
    )
    with pytest.raises(PermissionError):
        DisclosureAttachment.objects.all().delete()
    assert DisclosureAttachment.objects.count() == 1
