"""Nothing lost, nothing duplicated: a killed worker, a restarted Redis, a refusing database."""

import signal
from datetime import timedelta

import django_rq
import pytest
from django.db import DatabaseError, connection
from django.utils import timezone
from rq.job import Job

import aws
from accounts.services import project_create
from replication import engine
from replication.cron import OVERDUE, sweep_overdue_runs
from replication.jobs import QUEUE, schedule_again, wake
from replication.models import ReplicationRun, ReplicationStep
from replication.services import request_replication
from replication.steps import STEP_NAMES
from tests.helpers import Scheduler, management, run_to_end, run_worker

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]


def accounts_with_email(url: str, email: str) -> list[str]:
    """The ids of the organization's accounts that have `email` (ListAccounts, every page)."""
    org = management(url, "organizations")
    return [a["Id"] for a in aws.paginate(org, "list_accounts", "Accounts") if a["Email"] == email]


def test_it_recovers_a_run_whose_worker_was_killed_right_after_create_account(
    enable, own_redis, sandbox_state
):
    account, run = enable()  # queued in Redis when its transaction committed
    killed = run_worker(
        own_redis.url, "tests.reliability.killer_settings", MESHAWS_RUN_LEASE_SECONDS="2"
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    run.refresh_from_db()
    account.refresh_from_db()
    # AWS created the account; meshaws committed nothing of it, and the run shows its lease.
    assert accounts_with_email(sandbox_state.endpoint_url, account.email)
    assert not account.aws_account_id and not account.create_request_id
    assert run.status == "running" and run.lease_expires_at == run.started_at + timedelta(seconds=2)
    assert [s.name for s in run.steps.all()] == ["validate", "connect"]

    # The lease running out, without sleeping through it; then the periodic sweep.
    ReplicationRun.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now())
    assert sweep_overdue_runs() == 1
    worker = run_worker(own_redis.url)
    assert worker.returncode == 0, worker.stderr[-2000:]

    run.refresh_from_db()
    account.refresh_from_db()
    assert (run.status, run.attempt, account.status) == ("succeeded", 2, "ready")
    assert accounts_with_email(sandbox_state.endpoint_url, account.email) == [
        account.aws_account_id
    ]
    step = run.steps.get(name="account")
    assert step.attempt == 2 and f"adopted account {account.aws_account_id}" in step.remark


def test_it_loses_no_queued_run_when_redis_restarts_empty(
    enable, project, own_redis, sandbox_state
):
    others = [
        project_create(customer=project.customer, identifier=name, actor=None)
        for name in ("shop", "blog")
    ]
    accounts = [enable()[0]] + [enable(target=other)[0] for other in others]
    queue = django_rq.get_queue(QUEUE)
    assert queue.count == 3

    own_redis.restart()
    assert queue.count == 0  # the jobs are gone; the runs wait, pending, in the database
    ReplicationRun.objects.update(created_at=timezone.now() - OVERDUE - timedelta(seconds=1))
    assert sweep_overdue_runs() == 3
    worker = run_worker(own_redis.url)
    assert worker.returncode == 0, worker.stderr[-2000:]

    for account in accounts:
        account.refresh_from_db()
        run = account.runs.get()  # exactly one run each
        assert (run.status, run.attempt, account.status) == ("succeeded", 1, "ready")
        assert accounts_with_email(sandbox_state.endpoint_url, account.email) == [
            account.aws_account_id
        ]


def test_it_replicates_a_run_queued_twice_only_once(enable, own_redis, sandbox_state):
    account, run = enable()
    # Redis kept the job, yet the run looks overdue (a slow queue): the sweep queues it again.
    ReplicationRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - OVERDUE - timedelta(seconds=1)
    )
    assert sweep_overdue_runs() == 1
    assert django_rq.get_queue(QUEUE).count == 2

    worker = run_worker(own_redis.url)
    assert worker.returncode == 0, worker.stderr[-2000:]
    run.refresh_from_db()
    assert (run.status, run.attempt) == ("succeeded", 1)
    assert run.steps.count() == len(STEP_NAMES)
    assert account.runs.count() == 1
    account.refresh_from_db()
    assert accounts_with_email(sandbox_state.endpoint_url, account.email) == [
        account.aws_account_id
    ]


def test_it_fails_a_run_visibly_when_the_database_refuses_a_write_and_a_resync_converges(
    enable, own_redis, sandbox_state, monkeypatch
):
    account, run = enable()
    create = ReplicationStep.objects.create
    written = []

    def killed_on_the_fifth(**fields):
        written.append(fields["name"])
        if len(written) == 5:
            connection.connection.close()  # the server dropped the connection under Django
        return create(**fields)

    monkeypatch.setattr(ReplicationStep.objects, "create", killed_on_the_fifth)
    with pytest.raises(DatabaseError):
        engine.execute(run.pk, schedule=Scheduler())
    monkeypatch.undo()

    run.refresh_from_db()
    account.refresh_from_db()
    assert (run.status, run.error_step, account.status) == ("failed", "tags", "failed")
    assert "refused to record step tags" in run.error and run.lease_expires_at is None
    assert run.steps.count() == 4

    resync, created = request_replication(account=account, trigger="resync", actor=None)
    assert created
    status, _ = run_to_end(resync.pk)
    account.refresh_from_db()
    assert (status, account.status) == ("succeeded", "ready")
    assert accounts_with_email(sandbox_state.endpoint_url, account.email) == [
        account.aws_account_id
    ]


def test_it_queues_the_next_attempt_of_a_waiting_run(enable, own_redis):
    _, run = enable()
    run.attempt = 1
    schedule_again(run, timedelta(seconds=30))
    registry = django_rq.get_queue(QUEUE).scheduled_job_registry
    [job] = [Job.fetch(job_id, connection=registry.connection) for job_id in registry.get_job_ids()]
    # For attempt 1 only, and ahead of runs not started yet.
    assert job.args == (str(run.pk), 1) and job.func_name.endswith("run_replication")
    assert job.enqueue_at_front


def test_a_woken_run_is_queued_now_at_the_front_and_its_recheck_dropped(enable, own_redis):
    _, run = enable()
    run.attempt = 3
    schedule_again(run, timedelta(minutes=5))
    queue = django_rq.get_queue(QUEUE)
    queue.enqueue(print, "a run not started yet")
    wake(run)
    wake(run)  # a second wake-up of the same attempt: its re-check is gone already
    assert queue.scheduled_job_registry.get_job_ids() == []
    first = queue.jobs[0]
    assert first.args == (str(run.pk), 3) and first.func_name.endswith("run_replication")
