"""The audit log filtered by the object's name and by the field an event changed."""

import re

import pytest

from accounts.services import customer_create, customer_update
from audit.models import AuditEvent
from audit.services import audit_event_create


def _event_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-testid="event-(\d+)"', response.content.decode())]


@pytest.fixture
def changes(db):
    """Events with objects' states: a rename, a tags change, a creation, a nested change."""

    def event(name, action, before, after):
        return audit_event_create(
            actor=None, action=action, object_type="thing", object_repr=name,
            before=before, after=after,
        ).pk  # fmt: skip

    return {
        "renamed": event("Acme.Web", "thing.update",
                         {"display_name": "Web", "tags": {}}, {"display_name": "Shop", "tags": {}}),
        "tagged": event("acme.shop", "thing.update",
                        {"display_name": "Shop", "tags": {}}, {"display_name": "Shop",
                                                               "tags": {"team": "a"}}),
        "created": event("globex.api", "thing.create", None, {"display_name": "API"}),
        "nested": event("aws-prod.eu", "thing.update",
                        {"identityCenter": {"region": "eu-west-1"}, "enabled": True},
                        {"identityCenter": {"region": "eu-central-1"}, "enabled": 1}),
        "deleted": event("initech.old", "thing.delete", {"display_name": "Old"}, None),
    }  # fmt: skip


def _ours(client, query, changes) -> set[str]:
    by_pk = {pk: name for name, pk in changes.items()}
    return {by_pk[pk] for pk in _event_ids(client.get(f"/audit/?{query}")) if pk in by_pk}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("object_name=acme", {"renamed", "tagged"}),
        ("object_name=ACME.W", {"renamed"}),
        ("object_name=%25", set()),  # a % is a character to find, not a wildcard
        ("object_name=prod.eu", {"nested"}),
    ],
)
def test_it_finds_events_by_a_part_of_the_objects_name_in_any_case(
    client, charlie, changes, query, expected
):
    client.force_login(charlie)
    assert _ours(client, query, changes) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Changed, added by a creation, removed by a deletion; not merely present.
        ("changed_field=display_name", {"renamed", "created", "deleted"}),
        ("changed_field=tags", {"tagged"}),
        ("changed_field=identityCenter.region", {"nested"}),
        ("changed_field=identityCenter", {"nested"}),
        # JSON's true and 1 are different values.
        ("changed_field=enabled", {"nested"}),
        ("changed_field=nothing", set()),
        # A key's name, never a lookup of the database's.
        ("changed_field=tags__has_key", set()),
        ("changed_field=display_name&object_name=acme", {"renamed"}),
    ],
)
def test_it_finds_events_that_changed_a_field(client, charlie, changes, query, expected):
    client.force_login(charlie)
    assert _ours(client, query, changes) == expected


def test_it_finds_a_services_rename_by_its_field(client, charlie):
    customer = customer_create(identifier="acme", display_name="ACME", actor=None)
    customer_update(customer=customer, display_name="Acme Inc.", actor=None)
    client.force_login(charlie)
    found = set(_event_ids(client.get("/audit/?changed_field=display_name&object_name=acme")))
    assert found == set(
        AuditEvent.objects.filter(action__startswith="customer.").values_list("pk", flat=True)
    )


def test_the_export_takes_the_same_filters(client, charlie, changes):
    client.force_login(charlie)
    response = client.get("/audit/export.csv?changed_field=tags")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 2 and "acme.shop" in lines[1]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("changed_field=a..b", "changed_field"),
        ("changed_field=a%20b", "changed_field"),
        ("changed_field=a.%27b", "changed_field"),
        ("changed_field=0", "changed_field"),
        ("changed_field=" + "a" * 201, "changed_field"),
        ("changed_field=a%00b", "changed_field"),
        ("object_name=a%00b", "object_name"),
        ("object_name=" + "a" * 201, "object_name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, charlie, changes, query, field):
    client.force_login(charlie)
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 400
    assert f'data-testid="error-{field}"' in response.content.decode()
    export = client.get(f"/audit/export.csv?{query}")
    assert export.status_code == 400 and f"{field}:" in export.content.decode()


def test_the_form_offers_both_filters(client, charlie):
    client.force_login(charlie)
    page = client.get("/audit/").content.decode()
    assert 'name="object_name"' in page and 'name="changed_field"' in page
