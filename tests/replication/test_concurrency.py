"""Many requests at once for one account: one run at a time."""

import threading

import pytest
from django.db import connections

from replication.models import ReplicationRun
from replication.services import request_replication


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_resync_requests_make_one_run(acme, platform):
    from accounts.services import project_account_create, project_create

    account = project_account_create(
        project=project_create(customer=acme, identifier="web", actor=None),
        platform=platform,
        actor=None,
    )
    ReplicationRun.objects.filter(account=account).update(status="succeeded")
    start, results, errors = threading.Barrier(20), [], []

    def request():
        try:
            start.wait()
            results.append(request_replication(account=account, trigger="resync", actor=None))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len({run.pk for run, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert (
        ReplicationRun.objects.filter(account=account, status__in=ReplicationRun.ACTIVE).count()
        == 1
    )
