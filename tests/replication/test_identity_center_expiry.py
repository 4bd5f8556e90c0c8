"""Identity Center mode: a binding's expiry removes the membership at expiry time."""

from datetime import timedelta

import django_rq
import pytest
from django.utils import timezone

from accounts.models import Binding
from accounts.services import binding_create, project_account_create, project_create
from replication import jobs
from replication.cron import sweep_expired_members
from replication.expiry import expiry_job_id, run_at_expiry, schedule_expiry_runs
from replication.models import IdentityCenterMembership, ReplicationRun
from tests.helpers import ADA, LINUS, members, role, run_to_end

pytestmark = pytest.mark.sandbox

ADMINS = "mst-acme.web-admin"


def expire(user: str) -> None:
    """The clock reaches the binding's expiry (no service changes it: nothing is signalled)."""
    Binding.objects.filter(user=user).update(expires_at=timezone.now())


def test_an_expiring_binding_schedules_a_run_at_its_expiry_that_removes_the_member(
    enable_sso, team, sandbox_state, own_redis, django_capture_on_commit_callbacks, monkeypatch
):
    # The job drops the worker's stale connections; here that would be the test's own.
    monkeypatch.setattr("replication.expiry.close_old_connections", lambda: None)
    account, run = enable_sso()
    run_to_end(run.pk)
    expires = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        binding_create(project=team, user=LINUS, role=role("admin"), expires_at=expires, actor=None)
    queue = django_rq.get_queue(jobs.QUEUE)
    job_id = expiry_job_id(account.pk, expires)
    scheduled = queue.scheduled_job_registry.get_scheduled_time(job_id)
    assert expires <= scheduled <= expires + timedelta(seconds=2)
    job = queue.fetch_job(job_id)
    assert (job.func, job.args) == (run_at_expiry, (account.pk,))

    changed = ReplicationRun.objects.get(account=account, trigger="bindings_changed")
    run_to_end(changed.pk)
    assert members(sandbox_state, ADMINS) == [ADA, LINUS]

    expire(LINUS)
    at_expiry = ReplicationRun.objects.get(pk=job.func(*job.args))
    assert at_expiry.trigger == ReplicationRun.Trigger.BINDING_EXPIRED
    assert run_to_end(at_expiry.pk)[0] == "succeeded"
    assert members(sandbox_state, ADMINS) == [ADA]
    assert not IdentityCenterMembership.objects.filter(user_name=LINUS).exists()


def test_bindings_without_expiry_or_on_a_saml_platform_schedule_nothing(
    enable, project, sso_platform, own_redis
):
    saml_account, _ = enable()
    other = project_create(customer=project.customer, identifier="other", actor=None)
    binding_create(project=other, user=ADA, role=role("admin"), actor=None)
    sso_account = project_account_create(project=other, platform=sso_platform, actor=None)
    assert schedule_expiry_runs([sso_account.pk]) == 0
    binding_create(
        project=project, user=LINUS, role=role("admin"), actor=None,
        expires_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    assert schedule_expiry_runs([saml_account.pk]) == 0
    assert django_rq.get_queue(jobs.QUEUE).scheduled_job_registry.count == 0


def test_the_sweep_runs_an_account_keeping_a_member_whose_binding_expired_once(
    team, sso_platform, sandbox_state
):
    binding_create(
        project=team, user=LINUS, role=role("admin"), actor=None,
        expires_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    account = project_account_create(project=team, platform=sso_platform, actor=None)
    run_to_end(account.runs.get().pk)
    assert members(sandbox_state, ADMINS) == [ADA, LINUS]
    assert sweep_expired_members() == 0

    expire(LINUS)  # and its scheduled run was lost
    assert sweep_expired_members() == 1
    swept = account.runs.get(trigger=ReplicationRun.Trigger.BINDING_EXPIRED)
    assert sweep_expired_members() == 0  # one run asked for since the expiry is enough
    assert run_to_end(swept.pk)[0] == "succeeded"
    assert members(sandbox_state, ADMINS) == [ADA]
    assert sweep_expired_members() == 0
