"""GET /healthz: 200 when the database and Redis answer, 503 naming the part that does not."""

import pytest
from django.db import OperationalError
from django.test import override_settings


@pytest.mark.django_db
def test_it_reports_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_it_names_redis_when_redis_is_down(client, tmp_path):
    with override_settings(REDIS_URL=f"unix://{tmp_path}/nobody-listens.sock?db=0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["redis"].startswith("unavailable: ConnectionError")


@pytest.mark.django_db
def test_it_names_redis_when_a_tcp_redis_refuses(client):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"].startswith("unavailable:")


@pytest.mark.django_db
def test_it_names_the_database_when_it_does_not_answer(client, monkeypatch):
    from django.db import connection

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "database": "unavailable: OperationalError: connection refused",
        "redis": "ok",
    }


@pytest.mark.django_db
def test_it_answers_without_sign_in_and_only_to_get(client):
    assert client.post("/healthz").status_code == 405
