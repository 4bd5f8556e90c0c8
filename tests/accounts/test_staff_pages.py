"""The Staff pages: operators only, every action audited, errors name the field, secrets once."""

import re

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from accounts.roles import staff_role
from audit.models import AuditEvent
from meshaws_site.models import ApiToken
from meshaws_site.tokens import digest_of
from tests.helpers import PASSWORD

STRONG = "Sturdy-passphrase-42"
User = get_user_model()


def _secret(response) -> str:
    """The password or token a page shows once."""
    return re.search(r'value="([^"]+)"[^>]*data-testid="secret"', response.content.decode())[1]


def _pages(user) -> list[str]:
    base = f"/staff/{user.pk}/"
    return ["/staff/", "/staff/new/", base, base + "deactivate/", base + "token/revoke/"]


def _actions(user) -> list[str]:
    base = f"/staff/{user.pk}/"
    return [base + action for action in ("role/", "password/", "reactivate/", "token/")]


@pytest.fixture
def operator(client, alice):
    client.force_login(alice)
    return client


@pytest.mark.parametrize("persona", ["bob", "charlie", "dave"])
def test_it_refuses_every_staff_page_and_action_to_non_operators(client, request, persona, alice):
    client.force_login(request.getfixturevalue(persona))
    for url in _pages(alice):
        assert client.get(url).status_code == 403, url
    for url in [*_pages(alice), *_actions(alice)]:
        assert client.post(url, {"role": "support", "password": ""}).status_code == 403, url
    assert staff_role(User.objects.get(pk=alice.pk)) == "operator"
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(actor_name=persona).exists()


@pytest.mark.parametrize(
    ("persona", "shown"), [("alice", True), ("bob", False), ("charlie", False)]
)
def test_it_shows_the_staff_link_only_to_operators(client, request, persona, shown):
    client.force_login(request.getfixturevalue(persona))
    assert ('data-testid="nav-staff"' in client.get("/").content.decode()) == shown


def test_it_lists_staff_with_role_status_last_sign_in_and_tokens(operator, alice, bob, dave):
    operator.post(f"/staff/{bob.pk}/token/")
    operator.post(f"/staff/{dave.pk}/deactivate/", {"reason": ""})
    page = operator.get("/staff/").content.decode()
    rows = {name: re.search(rf'data-testid="staff-{name}">(.*?)</tr>', page, re.S).group(1)
            for name in ("alice", "bob", "dave")}  # fmt: skip
    assert "operator" in rows["alice"] and "never" not in rows["alice"]  # force_login signs in
    assert "support" in rows["bob"] and 'tokens-cell">1<' in rows["bob"]
    assert "no role" in rows["dave"] and "deactivated" in rows["dave"]
    assert 'tokens-cell">0<' in rows["dave"]


def test_it_creates_a_staff_user_with_a_typed_password(operator, client):
    response = operator.post(
        "/staff/new/",
        {"username": "erin", "email": "erin@example.com", "role": "auditor", "password": STRONG},
    )
    erin = User.objects.get(username="erin")
    assert response.status_code == 302 and response["Location"] == f"/staff/{erin.pk}/"
    assert staff_role(erin) == "auditor" and erin.check_password(STRONG)
    assert AuditEvent.objects.get(action="user.create", object_repr="erin").actor_name == "alice"


def test_it_creates_a_staff_user_with_a_generated_password_shown_once(operator):
    response = operator.post("/staff/new/", {"username": "erin", "role": "support"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = _secret(response)
    erin = User.objects.get(username="erin")
    assert erin.check_password(password)
    assert password not in operator.get(f"/staff/{erin.pk}/").content.decode()


@pytest.mark.parametrize(
    ("field", "data"),
    [
        ("password", {"username": "erin", "role": "support", "password": "erin"}),
        ("username", {"username": "erin smith!", "role": "support"}),
        ("username", {"username": "bob", "role": "support"}),
        ("email", {"username": "erin", "role": "support", "email": "erin-at-example"}),
        ("role", {"username": "erin", "role": "admin"}),
    ],
)
def test_it_answers_400_naming_the_refused_field(operator, bob, field, data):
    response = operator.post("/staff/new/", data)
    assert response.status_code == 400
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert not User.objects.filter(username="erin").exists()


def test_it_does_not_echo_a_refused_password(operator):
    response = operator.post("/staff/new/", {"username": "erin", "role": "support",
                                             "password": "qwertyuiop"})  # fmt: skip
    assert response.status_code == 400 and "qwertyuiop" not in response.content.decode()


def test_it_changes_a_role(operator, bob):
    response = operator.post(f"/staff/{bob.pk}/role/", {"role": "operator"})
    assert response.status_code == 302
    assert staff_role(User.objects.get(pk=bob.pk)) == "operator"
    assert AuditEvent.objects.get(action="user.role").after == {"role": "operator"}


def test_it_refuses_to_demote_the_last_operator_with_a_clear_error(operator, alice):
    response = operator.post(f"/staff/{alice.pk}/role/", {"role": "auditor"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="error-role"' in page and "last active operator" in page
    assert staff_role(User.objects.get(pk=alice.pk)) == "operator"


def test_it_deactivates_only_after_confirmation(operator, bob):
    confirm = operator.get(f"/staff/{bob.pk}/deactivate/")
    assert confirm.status_code == 200 and b'data-testid="confirm-deactivate"' in confirm.content
    assert User.objects.get(pk=bob.pk).is_active
    response = operator.post(f"/staff/{bob.pk}/deactivate/", {"reason": "left"})
    assert response.status_code == 302 and not User.objects.get(pk=bob.pk).is_active
    assert AuditEvent.objects.get(action="user.deactivate").remark == "left"
    operator.post(f"/staff/{bob.pk}/reactivate/")
    assert User.objects.get(pk=bob.pk).is_active
    assert AuditEvent.objects.filter(action="user.reactivate").count() == 1


def test_it_refuses_to_let_the_last_operator_deactivate_themselves(operator, alice):
    response = operator.post(f"/staff/{alice.pk}/deactivate/", {"reason": ""})
    assert response.status_code == 400
    assert "alice is the last active operator" in response.content.decode()
    assert User.objects.get(pk=alice.pk).is_active
    assert operator.get("/staff/").status_code == 200


def test_it_lets_an_operator_deactivate_themselves_while_another_remains(operator, alice, olga):
    response = operator.post(f"/staff/{alice.pk}/deactivate/", {"reason": ""})
    assert response.status_code == 302 and not User.objects.get(pk=alice.pk).is_active
    assert operator.get("/staff/").status_code == 302  # signed out


def test_it_resets_a_password_typed_or_generated(operator, client, bob):
    refused = operator.post(f"/staff/{bob.pk}/password/", {"password": "password"})
    assert refused.status_code == 400 and b'data-testid="error-password"' in refused.content
    assert User.objects.get(pk=bob.pk).check_password(PASSWORD)
    assert operator.post(f"/staff/{bob.pk}/password/", {"password": STRONG}).status_code == 302
    assert User.objects.get(pk=bob.pk).check_password(STRONG)
    generated = _secret(operator.post(f"/staff/{bob.pk}/password/", {"password": ""}))
    assert User.objects.get(pk=bob.pk).check_password(generated)
    assert AuditEvent.objects.filter(action="user.password_reset").count() == 2


def test_it_keeps_the_operator_signed_in_after_resetting_their_own_password(operator, alice):
    operator.post(f"/staff/{alice.pk}/password/", {"password": STRONG})
    assert operator.get("/staff/").status_code == 200


def test_an_issued_token_works_against_the_api_until_revoked(operator, bob):
    response = operator.post(f"/staff/{bob.pk}/token/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    key = _secret(response)
    assert ApiToken.objects.get(user=bob).digest == digest_of(key)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/platforms/").status_code == 200
    assert key not in operator.get(f"/staff/{bob.pk}/").content.decode()
    confirm = operator.get(f"/staff/{bob.pk}/token/revoke/")
    assert confirm.status_code == 200 and b'data-testid="confirm-revoke"' in confirm.content
    assert api.get("/api/v1/platforms/").status_code == 200
    assert operator.post(f"/staff/{bob.pk}/token/revoke/").status_code == 302
    assert api.get("/api/v1/platforms/").status_code == 401
    assert AuditEvent.objects.filter(action__in=["token.create", "token.revoke"]).count() == 2


def test_it_answers_400_when_revoking_a_missing_token(operator, bob):
    response = operator.post(f"/staff/{bob.pk}/token/revoke/")
    assert response.status_code == 400 and b'data-testid="error-token"' in response.content


def test_no_audit_row_or_log_holds_a_password_or_token(operator, bob, caplog):
    caplog.set_level("DEBUG")
    created = _secret(operator.post("/staff/new/", {"username": "erin", "role": "support"}))
    operator.post(f"/staff/{bob.pk}/password/", {"password": STRONG})
    reset = _secret(operator.post(f"/staff/{bob.pk}/password/", {"password": ""}))
    key = _secret(operator.post(f"/staff/{bob.pk}/token/"))
    operator.post(f"/staff/{bob.pk}/token/revoke/")
    rows = repr(list(AuditEvent.objects.values()))
    assert AuditEvent.objects.filter(actor_name="alice").count() == 5
    for secret in (created, STRONG, reset, key, digest_of(key)):
        assert secret not in rows and secret not in caplog.text
