"""The real path: an API request, Redis, a separate rqworker process, the emulator."""

import os
import subprocess
import sys

import django_rq
import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import ProjectAccount
from accounts.services import api_token_create
from replication.steps import STEP_NAMES
from tests.helpers import database_url

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]


def test_an_api_request_is_replicated_by_a_worker_process(alice, project, sandbox_platform):
    django_rq.get_queue("replication").empty()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=alice, actor=None)}")
    response = client.post("/api/v1/accounts/", {"project": "acme.web", "platform": "aws.local"})
    assert response.status_code == 201
    assert django_rq.get_queue("replication").count == 1

    worker = subprocess.run(
        [sys.executable, "manage.py", "rqworker", "--burst", "--with-scheduler",
         "--worker-class", "rq.worker.SimpleWorker", "replication", "default"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "meshaws_site.test_settings",
             "DATABASE_URL": database_url(), "REDIS_URL": settings.REDIS_URL},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert worker.returncode == 0, worker.stderr[-2000:]
    account = ProjectAccount.objects.get()
    assert account.status == "ready", worker.stderr[-2000:]
    assert account.aws_account_id
    run = client.get(client.get(response.data["url"]).data["last_run"]).data
    assert run["status"] == "succeeded" and len(run["steps"]) == len(STEP_NAMES)
