"""The benchmarks stay runnable: what they build from the app's own code still builds."""

import pytest

from bench import history_data


@pytest.mark.django_db
def test_the_history_dataset_configures_its_platform():
    """bench/history_data.py builds a SandboxState by hand: it must follow the sandbox's."""
    platform = history_data._platform()
    assert platform.full_identifier == "sandbox.local"
    assert platform.landing_zones.get().target_organizational_unit == "ou-bench-landingzone"
