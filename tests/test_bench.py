"""The benchmarks stay runnable: what they build from the app's own code still builds."""

import pytest

from bench import history_data


@pytest.mark.django_db
def test_the_history_dataset_configures_its_platform():
    """bench/history_data.py builds a SandboxState by hand: it must follow the sandbox's."""
    platform = history_data._platform()
    assert platform.full_identifier == "sandbox.local"
    assert platform.landing_zones.get().target_organizational_unit == "ou-bench-landingzone"


def test_the_watchers_benchmark_is_one_of_the_benchmarks():
    """`python -m bench watchers` selects it; its options have the issue's defaults."""
    from bench.__main__ import BENCHMARKS, parser

    options = parser().parse_args(["watchers"])
    assert "watchers" in BENCHMARKS and options.benchmarks == ["watchers"]
    assert (options.watchers, options.poll_interval, options.cores) == (200, 5.0, "0,1")


@pytest.mark.django_db
def test_the_watchers_benchmark_counts_two_queries_per_unchanged_poll(acme, platform):
    """What the benchmark measures before its load: each live page's unchanged poll."""
    from accounts.roles import AUDITOR
    from accounts.services import project_account_create, project_create, staff_user_create
    from bench import history_data, watchers
    from replication.services import resync_batch_create

    staff_user_create(username=history_data.AUDITOR, role=AUDITOR, password="x" * 12, actor=None)
    project = project_create(customer=acme, identifier="web", actor=None)
    account = project_account_create(project=project, platform=platform, actor=None)
    batch = resync_batch_create(accounts=[account], description="one", actor=None)
    measured = watchers.queries_per_poll(watchers._pages(batch.pk))
    assert set(measured) == {name for name, _ in watchers.MIX}
    for page in measured.values():
        assert (page["changed_status"], page["unchanged_status"]) == (200, 304)
        assert page["unchanged_queries"] <= 2
