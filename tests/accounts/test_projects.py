"""Customers, projects, bindings and project accounts through the services."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import ProjectAccount, ProjectRole
from accounts.services import (
    binding_create,
    binding_delete,
    binding_update,
    customer_create,
    project_account_create,
    project_create,
    project_role_create,
    project_update,
)
from audit.models import AuditEvent
from platforms.config_io import parse_record
from platforms.services import platform_apply


def field_errors(call, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as failure:
        call(**kwargs)
    return failure.value.message_dict


@pytest.mark.django_db
def test_it_creates_the_default_project_roles():
    assert list(ProjectRole.objects.values_list("identifier", flat=True)) == [
        "admin",
        "user",
        "reader",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("identifier", "words"),
    [
        ("a" * 17, "16"),
        ("Bad_Id", "lowercase"),
        ("-a", "hyphen"),
        ("a--b", "hyphen"),
        ("", "empty"),
    ],
)
def test_it_refuses_bad_customer_identifiers_naming_the_rule(identifier, words):
    errors = field_errors(customer_create, identifier=identifier, actor=None)
    assert words in " ".join(errors["identifier"]).lower(), errors


@pytest.mark.parametrize(
    ("identifier", "words"), [("p" * 31, "30"), ("Web", "lowercase"), ("web-", "hyphen")]
)
def test_it_refuses_bad_project_identifiers_naming_the_rule(acme, identifier, words):
    errors = field_errors(project_create, customer=acme, identifier=identifier, actor=None)
    assert words in " ".join(errors["identifier"]).lower(), errors


def test_it_refuses_duplicates(acme, web):
    assert (
        "already exists"
        in field_errors(customer_create, identifier="acme", actor=None)["identifier"][0]
    )
    assert (
        "already has project"
        in field_errors(project_create, customer=acme, identifier="web", actor=None)["identifier"][
            0
        ]
    )


def test_it_checks_project_tags(acme):
    errors = field_errors(
        project_create, customer=acme, identifier="x", tags={"k": "v" * 257}, actor=None
    )
    assert "256" in errors["tags"][0]
    project = project_create(customer=acme, identifier="x", tags={"cost-center": "42"}, actor=None)
    project_update(project=project, tags={"cost-center": "43"}, actor=None)
    event = AuditEvent.objects.get(action="project.update")
    assert event.before["tags"] == {"cost-center": "42"} and event.after["tags"] == {
        "cost-center": "43"
    }


def test_it_binds_users_and_changes_and_removes_them(web, admin_role, reader_role, alice):
    binding = binding_create(project=web, user="dev@example.com", role=admin_role, actor=alice)
    errors = field_errors(
        binding_create, project=web, user="dev@example.com", role=reader_role, actor=alice
    )
    assert "already bound" in errors["user"][0]
    later = timezone.now() + timedelta(days=30)
    binding_update(binding=binding, role=reader_role, expires_at=later, actor=alice)
    binding.refresh_from_db()
    assert (binding.role, binding.expires_at) == (reader_role, later)
    binding_delete(binding=binding, actor=alice)
    actions = list(
        AuditEvent.objects.filter(object_type="binding").values_list("action", flat=True)
    )
    assert sorted(actions) == ["binding.create", "binding.delete", "binding.update"]


def test_it_refuses_a_binding_that_expired_already_or_a_user_with_spaces(web, admin_role):
    past = timezone.now() - timedelta(minutes=1)
    assert (
        "future"
        in field_errors(
            binding_create, project=web, user="a@b.c", role=admin_role, expires_at=past, actor=None
        )["expires_at"][0]
    )
    assert "user" in field_errors(
        binding_create, project=web, user="two words", role=admin_role, actor=None
    )


def test_operators_may_add_project_roles(db):
    role = project_role_create(identifier="billing", display_name="Billing", rank=40, actor=None)
    assert (
        role.rank == 40
        and "already exists"
        in field_errors(project_role_create, identifier="billing", actor=None)["identifier"][0]
    )


def test_it_enables_a_project_with_frozen_names(web, platform):
    account = project_account_create(project=web, platform=platform, actor=None)
    assert account.status == ProjectAccount.Status.QUEUED
    assert account.email == "aws+acme.web@meshcloud.io"
    assert account.name == "acme.web"
    assert account.alias == "meshcloud-acme-web"
    assert account.landing_zone.identifier == "default" and account.tenant_platform_number == 1
    event = AuditEvent.objects.get(action="project_account.create")
    assert event.after["email"] == "aws+acme.web@meshcloud.io"


def test_it_refuses_a_second_account_for_the_same_project_and_platform(web, platform):
    project_account_create(project=web, platform=platform, actor=None)
    errors = field_errors(project_account_create, project=web, platform=platform, actor=None)
    assert "already has an account" in errors["platform"][0]


def test_it_refuses_a_project_whose_identifiers_exceed_the_platforms_limits(
    acme, platform, location, example_record
):
    example_record["customerIdentifierLength"] = 3
    example_record["meshProvisioning"]["accountEmailTemplate"] = "aws+%s@meshcloud.io"
    platform_apply(location=location, record=parse_record(example_record), actor=None)
    project = project_create(customer=acme, identifier="shop", actor=None)
    errors = field_errors(project_account_create, project=project, platform=platform, actor=None)
    assert "customer identifier 'acme' has 4 characters" in errors["project"][0]
    assert "allows 3" in errors["project"][0]


def test_it_refuses_an_email_already_used_by_any_account(acme, web, platform):
    account = project_account_create(project=web, platform=platform, actor=None)
    account.deleted_at = timezone.now()
    account.save()
    errors = field_errors(project_account_create, project=web, platform=platform, actor=None)
    assert "never reuses" in errors["email"][0]


def test_it_adopts_an_aws_account_once(acme, web, platform):
    project_account_create(
        project=web, platform=platform, aws_account_id="111122223333", actor=None
    )
    other = project_create(customer=acme, identifier="other", actor=None)
    errors = field_errors(
        project_account_create,
        project=other,
        platform=platform,
        aws_account_id="111122223333",
        actor=None,
    )
    assert "111122223333 is managed by project account acme.web" in errors["aws_account_id"][0]
    assert (
        "12 digits"
        in field_errors(
            project_account_create,
            project=other,
            platform=platform,
            aws_account_id="12345",
            actor=None,
        )["aws_account_id"][0]
    )


def test_it_refuses_an_adopted_id_of_a_deleted_account(acme, web, platform):
    account = project_account_create(
        project=web, platform=platform, aws_account_id="111122223333", actor=None
    )
    account.deleted_at = timezone.now()
    account.save()
    other = project_create(customer=acme, identifier="other", actor=None)
    errors = field_errors(
        project_account_create,
        project=other,
        platform=platform,
        aws_account_id="111122223333",
        actor=None,
    )
    assert "the deleted project account" in errors["aws_account_id"][0]
    assert "must release the id" in errors["aws_account_id"][0]


def test_it_refuses_unknown_or_disabled_landing_zones(web, platform):
    assert (
        "has no landing zone 'nope'"
        in field_errors(
            project_account_create, project=web, platform=platform, landing_zone="nope", actor=None
        )["landing_zone"][0]
    )
    platform.landing_zones.filter(identifier="sandbox").update(disabled=True)
    assert (
        "disabled"
        in field_errors(
            project_account_create,
            project=web,
            platform=platform,
            landing_zone="sandbox",
            actor=None,
        )["landing_zone"][0]
    )


def test_it_numbers_accounts_per_platform(acme, web, platform):
    other = project_create(customer=acme, identifier="other", actor=None)
    numbers = [
        project_account_create(project=p, platform=platform, actor=None).tenant_platform_number
        for p in (web, other)
    ]
    assert numbers == [1, 2]


def test_a_platform_in_use_cannot_be_deleted(web, platform):
    from platforms.services import PlatformInUse, platform_delete

    project_account_create(project=web, platform=platform, actor=None)
    with pytest.raises(PlatformInUse, match="1 project account"):
        platform_delete(platform=platform, actor=None)


def test_it_refuses_a_user_id_with_control_characters(web, admin_role):
    assert "user" in field_errors(
        binding_create, project=web, user="a\x00b@example.com", role=admin_role, actor=None
    )
