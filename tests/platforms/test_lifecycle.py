"""Deprecating and reactivating a platform: no new accounts, existing ones still replicated."""

import json

import pytest
from django.core.exceptions import ValidationError

from accounts.models import ProjectAccount
from accounts.services import project_account_create
from audit.models import AuditEvent
from platforms.config_io import parse_record, record_of
from platforms.models import PlatformInstance
from platforms.services import (
    PlatformAlreadyInState,
    platform_apply,
    platform_deprecate,
    platform_reactivate,
)
from replication.models import ReplicationRun
from replication.services import request_replication
from tests.helpers import api_for, run_to_end

REFUSAL = "platform aws-prod.eu is deprecated: it accepts no new accounts"
API = "/api/v1/platforms/aws-prod.eu"
PAGE = "/platforms/eu/aws-prod"


@pytest.fixture
def deprecated(platform, alice):
    """aws-prod.eu, deprecated by alice."""
    return platform_deprecate(platform=platform, actor=alice, comment="moving to aws-next")


def test_it_deprecates_with_an_audit_event_naming_actor_and_comment(platform, alice):
    platform_deprecate(platform=platform, actor=alice, comment="moving to aws-next")
    platform.refresh_from_db()
    assert platform.is_deprecated and platform.deprecated_comment == "moving to aws-next"
    event = AuditEvent.objects.get(action="platform.deprecate")
    assert event.actor == alice and event.remark == "moving to aws-next"
    assert event.object_repr == "aws-prod.eu" and event.before["deprecatedAt"] is None
    assert event.after["deprecatedAt"] == platform.deprecated_at.isoformat()


def test_it_reactivates_with_an_audit_event(deprecated, alice):
    platform_reactivate(platform=deprecated, actor=alice, comment="aws-next postponed")
    deprecated.refresh_from_db()
    assert not deprecated.is_deprecated and deprecated.deprecated_comment == ""
    event = AuditEvent.objects.get(action="platform.reactivate")
    assert event.actor == alice and event.remark == "aws-next postponed"
    assert event.before["deprecatedComment"] == "moving to aws-next"


def test_it_refuses_a_new_account_on_a_deprecated_platform(deprecated, web):
    with pytest.raises(ValidationError) as refused:
        project_account_create(project=web, platform=deprecated, actor=None)
    assert refused.value.message_dict == {"platform": [REFUSAL]}
    assert not ProjectAccount.objects.exists()


def test_it_refuses_to_adopt_an_account_on_a_deprecated_platform(deprecated, web):
    with pytest.raises(ValidationError, match="deprecated"):
        project_account_create(
            project=web, platform=deprecated, aws_account_id="123456789012", actor=None
        )


def test_reactivating_allows_new_accounts_again(deprecated, web):
    platform_reactivate(platform=deprecated, actor=None)
    account = project_account_create(project=web, platform=deprecated, actor=None)
    assert account.platform == deprecated


def test_deprecating_twice_or_reactivating_an_active_platform_is_refused(deprecated):
    with pytest.raises(PlatformAlreadyInState, match="already deprecated"):
        platform_deprecate(platform=deprecated, actor=None)
    platform_reactivate(platform=deprecated, actor=None)
    with pytest.raises(PlatformAlreadyInState, match="is not deprecated"):
        platform_reactivate(platform=deprecated, actor=None)
    assert AuditEvent.objects.filter(action__startswith="platform.").count() == 3


def test_it_refuses_a_comment_over_255_characters(platform):
    with pytest.raises(ValidationError) as refused:
        platform_deprecate(platform=platform, actor=None, comment="x" * 256)
    assert "comment" in refused.value.message_dict
    platform.refresh_from_db()
    assert not platform.is_deprecated


def test_the_record_leaves_deprecation_out_and_applying_it_keeps_it(deprecated, example_record):
    exported = json.dumps(record_of(deprecated).as_dict())
    assert "deprecat" not in exported.lower()
    example_record["tagPrefix"] = "acme_"
    applied = platform_apply(
        location=deprecated.location, record=parse_record(example_record), actor=None
    )
    assert applied.changed
    deprecated.refresh_from_db()
    assert deprecated.is_deprecated and deprecated.tag_prefix == "acme_"


# --- the API ------------------------------------------------------------------------------


def test_the_api_deprecates_and_reactivates(operator_api, platform, alice):
    response = operator_api.post(f"{API}/deprecate/", {"comment": "retiring"}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["deprecated_at"] is not None
    assert response.data["deprecated_comment"] == "retiring"
    assert "deprecat" not in json.dumps(response.data["config"]).lower()
    assert AuditEvent.objects.get(action="platform.deprecate").actor == alice
    assert operator_api.get(f"{API}/").data["deprecated_at"] == response.data["deprecated_at"]
    response = operator_api.post(f"{API}/reactivate/", format="json")
    assert response.status_code == 200 and response.data["deprecated_at"] is None


def test_the_api_answers_409_when_already_in_that_state(operator_api, deprecated):
    response = operator_api.post(f"{API}/deprecate/", {}, format="json")
    assert response.status_code == 409 and "already deprecated" in response.data["detail"]
    operator_api.post(f"{API}/reactivate/", {}, format="json")
    response = operator_api.post(f"{API}/reactivate/", {}, format="json")
    assert response.status_code == 409 and "is not deprecated" in response.data["detail"]


def test_the_api_refuses_a_long_comment_by_field(operator_api, platform):
    response = operator_api.post(f"{API}/deprecate/", {"comment": "x" * 256}, format="json")
    assert response.status_code == 400 and "comment" in response.data


def test_deprecated_at_is_read_only_in_the_api(operator_api, platform):
    response = operator_api.patch(
        f"{API}/", {"deprecated_at": "2030-01-01T00:00:00Z"}, format="json"
    )
    assert response.status_code == 200
    platform.refresh_from_db()
    assert not platform.is_deprecated


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_support_and_auditors_may_not_deprecate_or_reactivate_in_the_api(
    request, persona, platform
):
    api = api_for(request.getfixturevalue(persona))
    assert api.post(f"{API}/deprecate/", {}, format="json").status_code == 403
    platform_deprecate(platform=platform, actor=None)
    assert api.post(f"{API}/reactivate/", {}, format="json").status_code == 403
    assert PlatformInstance.objects.get().is_deprecated
    assert not AuditEvent.objects.filter(actor__username=persona).exists()


def test_the_api_refuses_an_account_on_a_deprecated_platform_by_field(
    operator_api, deprecated, web
):
    response = operator_api.post(
        "/api/v1/accounts/", {"project": "acme.web", "platform": "aws-prod.eu"}, format="json"
    )
    assert response.status_code == 400 and response.data == {"platform": [REFUSAL]}


# --- the pages ----------------------------------------------------------------------------


def test_an_operator_deprecates_and_reactivates_on_the_platform_page(client, alice, platform):
    client.force_login(alice)
    assert 'data-testid="deprecate"' in client.get(f"{PAGE}/").content.decode()
    response = client.post(f"{PAGE}/deprecate/", {"comment": "moving to aws-next"})
    assert response.status_code == 302 and response["Location"] == f"{PAGE}/"
    event = AuditEvent.objects.get(action="platform.deprecate")
    assert event.actor == alice and event.remark == "moving to aws-next"
    page = client.get(f"{PAGE}/").content.decode()
    assert 'data-testid="deprecated"' in page and "moving to aws-next" in page
    assert 'data-testid="reactivate"' in page
    assert 'data-testid="deprecated-aws-prod.eu"' in client.get("/platforms/").content.decode()
    client.post(f"{PAGE}/reactivate/", {"comment": "postponed"})
    assert not PlatformInstance.objects.get().is_deprecated
    assert AuditEvent.objects.get(action="platform.reactivate").remark == "postponed"


def test_the_page_says_when_it_is_deprecated_already(client, alice, deprecated):
    client.force_login(alice)
    response = client.post(f"{PAGE}/deprecate/", follow=True)
    assert "already deprecated" in response.content.decode()
    assert AuditEvent.objects.filter(action="platform.deprecate").count() == 1


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_support_and_auditors_see_the_state_but_may_not_change_it(
    client, request, persona, deprecated
):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(f"{PAGE}/").content.decode()
    assert 'data-testid="deprecated"' in page and 'data-testid="reactivate"' not in page
    assert client.post(f"{PAGE}/reactivate/").status_code == 403
    platform_reactivate(platform=deprecated, actor=None)
    assert client.post(f"{PAGE}/deprecate/").status_code == 403
    assert not PlatformInstance.objects.get().is_deprecated


def test_the_enable_form_offers_no_deprecated_platform_and_refuses_one(
    client, alice, deprecated, web
):
    client.force_login(alice)
    page = client.get("/projects/acme/web/").content.decode()
    assert f'value="{deprecated.pk}"' not in page
    response = client.post("/projects/acme/web/enable/", {"platform": deprecated.pk})
    assert response.status_code == 400
    assert response.context["enable_form"].errors["platform"] == [REFUSAL]
    assert not ProjectAccount.objects.exists()


def test_the_enable_form_offers_an_active_platform(client, alice, platform, web):
    client.force_login(alice)
    assert f'value="{platform.pk}"' in client.get("/projects/acme/web/").content.decode()


# --- replication --------------------------------------------------------------------------


def test_accounts_of_a_deprecated_platform_are_still_replicated(enable, sandbox_platform):
    account, first = enable()
    assert run_to_end(first.pk)[0] == ReplicationRun.Status.SUCCEEDED
    platform_deprecate(platform=sandbox_platform, actor=None, comment="no new accounts")
    run, created = request_replication(
        account=account, trigger=ReplicationRun.Trigger.RESYNC, actor=None
    )
    assert created
    assert run_to_end(run.pk)[0] == ReplicationRun.Status.SUCCEEDED
