"""Staff services: create, role, deactivate, password and token, each audited without secrets."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from accounts.roles import staff_role
from accounts.services import (
    api_token_create,
    api_token_revoke,
    staff_password_set,
    staff_role_set,
    staff_user_create,
    staff_user_deactivate,
    staff_user_reactivate,
)
from audit.models import AuditEvent
from meshaws_site.models import ApiToken

STRONG = "Sturdy-passphrase-42"


def _events(user, action):
    return AuditEvent.objects.filter(object_type="user", object_id=str(user.pk), action=action)


def _token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_it_creates_a_staff_user_with_an_email_and_audits_it(alice):
    erin, password = staff_user_create(
        username="erin", email="erin@example.com", role="support", password=STRONG, actor=alice
    )
    assert password == STRONG and erin.check_password(STRONG)
    assert erin.email == "erin@example.com" and staff_role(erin) == "support"
    event = _events(erin, "user.create").get()
    assert event.actor_name == "alice"
    assert event.after == {"username": "erin", "email": "erin@example.com", "role": "support"}


def test_it_refuses_a_weak_password_naming_the_field(alice):
    with pytest.raises(ValidationError) as refused:
        staff_user_create(username="erin", role="support", password="erin1", actor=alice)
    assert set(refused.value.message_dict) == {"password"}
    assert not get_user_model().objects.filter(username="erin").exists()


def test_it_refuses_a_bad_email_naming_the_field(alice):
    with pytest.raises(ValidationError) as refused:
        staff_user_create(username="erin", email="not-an-email", role="auditor", actor=alice)
    assert set(refused.value.message_dict) == {"email"}


def test_it_changes_the_role_and_audits_it(alice, bob):
    staff_role_set(user=bob, role="auditor", actor=alice)
    bob = get_user_model().objects.get(pk=bob.pk)
    assert staff_role(bob) == "auditor"
    assert bob.groups.count() == 1
    event = _events(bob, "user.role").get()
    assert (event.before, event.after) == ({"role": "support"}, {"role": "auditor"})


def test_it_refuses_to_demote_the_last_active_operator(alice):
    with pytest.raises(ValidationError, match="last active operator") as refused:
        staff_role_set(user=alice, role="support", actor=alice)
    assert set(refused.value.message_dict) == {"role"}
    assert staff_role(get_user_model().objects.get(pk=alice.pk)) == "operator"
    assert not _events(alice, "user.role").exists()


def test_it_demotes_an_operator_while_another_one_remains(alice, olga):
    staff_role_set(user=alice, role="support", actor=alice)
    assert staff_role(get_user_model().objects.get(pk=alice.pk)) == "support"


def test_it_counts_only_active_operators_as_remaining(alice, olga):
    staff_user_deactivate(user=olga, actor=alice)
    with pytest.raises(ValidationError, match="last active operator"):
        staff_user_deactivate(user=alice, actor=alice)
    assert get_user_model().objects.get(pk=alice.pk).is_active


def test_it_deactivates_and_reactivates_a_user_and_audits_both(alice, bob):
    key = api_token_create(user=bob, actor=alice)
    staff_user_deactivate(user=bob, actor=alice, reason="left the team")
    assert _token_client(key).get("/api/v1/platforms/").status_code == 401
    assert _events(bob, "user.deactivate").get().remark == "left the team"
    staff_user_reactivate(user=bob, actor=alice)
    assert _token_client(key).get("/api/v1/platforms/").status_code == 200
    assert _events(bob, "user.reactivate").get().after == {"is_active": True}


def test_it_refuses_to_deactivate_an_inactive_user(alice, bob):
    staff_user_deactivate(user=bob, actor=alice)
    with pytest.raises(ValidationError, match="already inactive"):
        staff_user_deactivate(user=bob, actor=alice)


def test_it_sets_a_validated_password_and_audits_it(alice, bob):
    with pytest.raises(ValidationError) as refused:
        staff_password_set(user=bob, password="12345678", actor=alice)
    assert set(refused.value.message_dict) == {"password"}
    assert staff_password_set(user=bob, password=STRONG, actor=alice) == STRONG
    generated = staff_password_set(user=bob, actor=alice)
    assert get_user_model().objects.get(pk=bob.pk).check_password(generated)
    remarks = list(_events(bob, "user.password_reset").values_list("remark", flat=True))
    assert sorted(remarks) == ["password reset (generated)", "password reset (typed)"]


def test_it_revokes_a_token_so_it_stops_working(alice, bob):
    key = api_token_create(user=bob, actor=alice)
    assert _token_client(key).get("/api/v1/platforms/").status_code == 200
    api_token_revoke(user=bob, actor=alice)
    assert _token_client(key).get("/api/v1/platforms/").status_code == 401
    assert not ApiToken.objects.filter(user=bob).exists()
    assert _events(bob, "token.revoke").get().actor_name == "alice"


def test_it_refuses_to_revoke_a_token_that_does_not_exist(alice, bob):
    with pytest.raises(ValidationError) as refused:
        api_token_revoke(user=bob, actor=alice)
    assert set(refused.value.message_dict) == {"token"}
    assert not _events(bob, "token.revoke").exists()


def test_no_audit_row_holds_a_password_or_token(alice, bob):
    _, generated = staff_user_create(username="erin", role="auditor", actor=alice)
    typed = "Another-sturdy-passphrase-7"
    reset = staff_password_set(user=bob, actor=alice)
    staff_password_set(user=bob, password=typed, actor=alice)
    key = api_token_create(user=bob, actor=alice)
    stored = ApiToken.objects.get(user=bob).digest
    api_token_revoke(user=bob, actor=alice)
    rows = repr(list(AuditEvent.objects.values()))
    for secret in (generated, typed, reset, key, stored, STRONG):
        assert secret not in rows
