"""Your Account → Your data: who may ask for a copy, and who may download it."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.core.actors import SystemActor
from apps.personal_data.export.download import export_download_token
from apps.personal_data.export.run import export_request, export_run, exports_delete_expired
from apps.personal_data.models import DataExport, ErasureRun
from tests.factories import LoginEventFactory
from tests.helpers import reauthenticate, sign_in

DATA_URL = "/account/data/"


def ready_export(user) -> DataExport:
    LoginEventFactory.create_batch(2, user=user)
    export = export_request(subject=user, actor=SystemActor("test"))
    return export_run(export_id=export.pk)


def download_url(export) -> str:
    return reverse("personal_data:download", kwargs={"token": export_download_token(export)})


def test_it_lists_the_customers_downloads_in_the_account_layout(client_as, customer, other_customer):
    ready = ready_export(customer)
    ready_export(other_customer)
    page = client_as("customer").get(DATA_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="account-nav"' in html
    assert f'href="{DATA_URL}" aria-current="page">Your data</a>' in html
    assert "Prepare a download of my data" in html
    assert download_url(ready).split("/download/")[0] in html
    assert html.count("/account/data/download/") == 1  # only the customer's own
    assert 'http-equiv="refresh"' not in html
    assert "no-store" in page["Cache-Control"]


def test_it_lists_downloads_in_a_fixed_number_of_queries(client_as, customer, django_assert_max_num_queries):
    client = client_as("customer")
    ready_export(customer)
    client.get(DATA_URL)
    with django_assert_max_num_queries(8) as few:
        client.get(DATA_URL)
    for _ in range(4):
        export_run(export_id=export_request(subject=customer, actor=customer).pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(DATA_URL).content.decode()
    assert html.count("/account/data/download/") == 5


def test_it_refreshes_while_a_download_is_being_prepared(client_as, customer):
    export_request(subject=customer, actor=customer)
    html = client_as("customer").get(DATA_URL).content.decode()
    assert '<meta http-equiv="refresh" content="5">' in html
    assert "Waiting to start" in html
    DataExport.objects.update(status=DataExport.Status.RUNNING)
    assert "Being prepared" in client_as("customer").get(DATA_URL).content.decode()


def test_it_shows_the_page_in_vietnamese(client_as, customer):
    customer.preferred_language = "vi"
    customer.save()
    client = client_as("customer")
    client.cookies["django_language"] = "vi"
    html = client.get(DATA_URL).content.decode()
    assert '<html lang="vi">' in html
    assert "Dữ liệu của bạn" in html


def test_it_prepares_a_download_after_a_recent_reauthentication(
    client_as, customer, django_capture_on_commit_callbacks
):
    client = reauthenticate(client_as("customer"))
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(DATA_URL)
    assert response.status_code == 302
    assert response["Location"] == DATA_URL
    assert DataExport.objects.filter(subject=customer, status=DataExport.Status.PENDING).count() == 1
    assert len(callbacks) == 1  # the worker is told after commit
    # A second click while it is pending does not start another.
    client.post(DATA_URL)
    assert DataExport.objects.filter(subject=customer).count() == 1


def test_it_asks_for_the_password_again_before_preparing(client_as, customer):
    response = client_as("customer").post(DATA_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not DataExport.objects.exists()


@pytest.mark.parametrize("persona", ["anonymous"])
def test_it_sends_anonymous_visitors_to_sign_in(client_as, persona, customer):
    export = ready_export(customer)
    for url in (DATA_URL, download_url(export)):
        response = client_as(persona).get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_it_downloads_the_owners_zip_without_caching(client_as, customer):
    export = ready_export(customer)
    client = reauthenticate(client_as("customer"))
    response = client.get(download_url(export))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".zip" in response["Content-Disposition"]
    payload = b"".join(response.streaming_content)
    with export.file.open("rb") as handle:
        assert payload == handle.read()
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(payload)).namelist()


def test_it_asks_the_owner_to_reauthenticate_before_downloading(client_as, customer):
    export = ready_export(customer)
    response = client_as("customer").get(download_url(export))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_it_hides_someone_elses_download(client_as, customer, other_customer):
    export = ready_export(customer)
    client = reauthenticate(client_as("other_customer"))
    response = client.get(download_url(export))
    assert response.status_code == 404
    assert "There is no download of yours at this link." in response.content.decode()
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-2] + "xx", lambda t: "x" + t, lambda t: "nonsense", lambda t: t + ":"]
)
def test_it_rejects_a_tampered_link_with_a_message(client_as, customer, mangle):
    export = ready_export(customer)
    token = mangle(export_download_token(export))
    client = reauthenticate(client_as("customer"))
    response = client.get(f"/account/data/download/{token}/")
    assert response.status_code in (400, 404)
    assert "This download link is not valid" in response.content.decode()


def test_it_says_an_expired_link_is_gone(client_as, customer):
    export = ready_export(customer)
    url = download_url(export)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        client = reauthenticate(sign_in(client_as("anonymous"), customer))
        response = client.get(url)
    assert response.status_code == 410
    assert "This download link has expired" in response.content.decode()


def test_it_says_a_deleted_download_is_gone(client_as, customer):
    export = ready_export(customer)
    url = download_url(export)
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    exports_delete_expired()
    client = reauthenticate(client_as("customer"))
    response = client.get(url)
    assert response.status_code == 410
    assert "deleted" in response.content.decode()
    # The page no longer offers it.
    assert "/account/data/download/" not in client.get(DATA_URL).content.decode()


def test_it_says_a_download_in_preparation_is_not_ready(client_as, customer):
    export = export_request(subject=customer, actor=customer)
    client = reauthenticate(client_as("customer"))
    response = client.get(download_url(export))
    assert response.status_code == 404
    assert "not ready yet" in response.content.decode()


def test_it_adds_your_data_to_the_account_navigation(client_as):
    html = client_as("customer").get("/account/").content.decode()
    assert f'<a href="{DATA_URL}">Your data</a>' in html


def test_the_data_page_says_why_it_cannot_prepare_a_download_during_an_erasure(client_as, customer):
    ErasureRun.objects.create(subject_id=customer.pk, subject_reference="x" * 64, reason="asked")
    response = reauthenticate(client_as("customer")).post(DATA_URL)
    assert response.status_code == 409
    assert "Your account is being deleted" in response.content.decode()
    assert not DataExport.objects.filter(subject=customer).exists()


def test_the_downloads_times_are_in_the_customers_zone_as_the_page_says(client_as, customer, settings):
    settings.TIME_ZONE = "UTC"  # the organisation's zone
    customer.country = "VN"  # no zone chosen: the country's, 7 hours ahead
    customer.save(update_fields=["country"])
    ready = ready_export(customer)
    DataExport.objects.filter(pk=ready.pk).update(created_at=datetime(2026, 3, 1, 20, 15, tzinfo=UTC))
    html = client_as("customer").get(DATA_URL).content.decode()
    assert "Times in Asia/Ho_Chi_Minh (GMT+7)" in html
    assert ">2 Mar 2026, 03:15</time>" in html
    assert "20:15" not in html.split('datetime="')[0]
