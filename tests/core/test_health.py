import pytest


@pytest.mark.django_db
def test_it_reports_503_when_no_worker_answers(client, settings):
    settings.HEALTHZ_WORKER_TIMEOUT = 0.5
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert body["checks"]["worker"]["ok"] is False


@pytest.mark.worker
def test_it_reports_200_with_a_real_worker(client, celery_worker_process):
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {
        "database": {"ok": True, "ms": response.json()["checks"]["database"]["ms"]},
        "broker": {"ok": True, "ms": response.json()["checks"]["broker"]["ms"]},
        "worker": {"ok": True, "ms": response.json()["checks"]["worker"]["ms"]},
    }
