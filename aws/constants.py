"""AWS facts meshaws relies on: Organizations' home region, the regions AWS has."""

from __future__ import annotations

import functools

import botocore.session

# Organizations answers in its home region whatever the platform's region is.
ORGANIZATIONS_REGION = "us-east-1"


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region name of every AWS partition, as the installed botocore knows them."""
    endpoints = botocore.session.get_session().get_data("endpoints")
    return frozenset(
        region for partition in endpoints["partitions"] for region in partition["regions"]
    )
