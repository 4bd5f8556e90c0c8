"""The impact preview: before saving, which existing accounts a change affects."""

import pytest

from accounts.models import ProjectAccount
from accounts.services import project_account_create, project_create
from platforms.models import PlatformInstance
from replication.models import ReplicationRun
from tests.helpers import SECRETS, edit_data


@pytest.fixture
def accounts(acme, platform):
    made = []
    for number in range(3):
        project = project_create(customer=acme, identifier=f"p{number}", actor=None)
        made.append(project_account_create(project=project, platform=platform, actor=None))
    # p2 lives in the other landing zone; p0 already has its AWS account.
    ProjectAccount.objects.filter(pk=made[2].pk).update(
        landing_zone=platform.landing_zones.get(identifier="sandbox")
    )
    ProjectAccount.objects.filter(pk=made[0].pk).update(aws_account_id="111122223333")
    ReplicationRun.objects.update(status="succeeded")
    return made


def test_an_alias_change_shows_every_account_it_renames(client, alice, accounts):
    client.force_login(alice)
    response = client.post(
        "/platforms/eu/aws-prod/edit/",
        edit_data(client, account_alias_pattern="acme-<customer>-<project>"),
    )
    assert response.status_code == 200
    impact = response.context["impact"]
    assert impact.count == 3 and impact.reasons == {"alias"}
    page = response.content.decode()
    assert "meshcloud-acme-p0" in page and "acme-acme-p0" in page
    assert PlatformInstance.objects.get().account_alias_pattern == "meshcloud-<customer>-<project>"
    assert not ReplicationRun.objects.filter(status="pending").exists()


def test_confirming_saves_and_resyncs_exactly_the_affected_accounts(
    client, alice, accounts, monkeypatch
):
    # A new OU is checked in AWS first (test_platform_form_pages); the tests never reach the
    # example platform's AWS, and the check is not what this test is about.
    monkeypatch.setattr("platforms.confirmation.check_proposed", lambda *args: [])
    client.force_login(alice)
    data = edit_data(client)
    data["lz-1-target_organizational_unit"] = "ou-ab12-00000000"
    preview = client.post("/platforms/eu/aws-prod/edit/", data)
    assert preview.context["impact"].count == 1
    data["confirm_impact"] = "1"
    response = client.post("/platforms/eu/aws-prod/edit/", data)
    assert response.status_code == 302
    pending = ReplicationRun.objects.filter(status="pending", trigger="configuration_changed")
    assert [run.account_id for run in pending] == [accounts[2].pk]


def test_an_email_change_affects_only_accounts_not_created_yet(client, alice, accounts):
    client.force_login(alice)
    data = edit_data(client, account_email_template="cl+%s@meshcloud.io", confirm_impact="1")
    assert client.post("/platforms/eu/aws-prod/edit/", data).status_code == 302
    emails = dict(ProjectAccount.objects.values_list("project__identifier", "email"))
    assert emails == {
        "p0": "aws+acme.p0@meshcloud.io",
        "p1": "cl+acme.p1@meshcloud.io",
        "p2": "cl+acme.p2@meshcloud.io",
    }
    assert set(
        ReplicationRun.objects.filter(status="pending").values_list(
            "account__project__identifier", flat=True
        )
    ) == {"p1", "p2"}


def test_secrets_typed_before_the_preview_travel_sealed(client, alice, accounts):
    client.force_login(alice)
    data = edit_data(
        client,
        account_alias_pattern="acme-<customer>-<project>",
        secret_key="a-new-secret-value-typed-1",
    )
    preview = client.post("/platforms/eu/aws-prod/edit/", data)
    page = preview.content.decode()
    assert "a-new-secret-value-typed-1" not in page
    for secret in SECRETS:
        assert secret not in page
    sealed = preview.context["sealed_secrets"]
    confirmed = {
        **{k: v for k, v in data.items() if k != "secret_key"},
        "sealed_secrets": sealed,
        "confirm_impact": "1",
    }
    assert client.post("/platforms/eu/aws-prod/edit/", confirmed).status_code == 302
    from platforms import secrets

    assert (
        secrets.decrypt(PlatformInstance.objects.get().secret_key_ciphertext)
        == "a-new-secret-value-typed-1"
    )


def test_a_change_without_accounts_saves_at_once(client, alice, platform):
    client.force_login(alice)
    response = client.post(
        "/platforms/eu/aws-prod/edit/",
        edit_data(client, account_alias_pattern="acme-<customer>-<project>"),
    )
    assert response.status_code == 302


def test_a_web_identity_change_affects_every_account(platform, accounts):
    """The credentials every account is reached with changed: all of them re-sync."""
    import dataclasses

    from platforms.config_io import record_of
    from replication.impact import impact_of

    before = record_of(platform)
    after = dataclasses.replace(
        before,
        web_identity_role_arn="arn:aws:iam::123456789012:role/meshaws-web-identity",
        web_identity_token_file="/var/run/secrets/token",
    )
    impact = impact_of(platform, before, after)
    assert impact.count == 3 and impact.reasons == {"platform settings"}
