"""`manage.py createuser` and `create_first_operator`."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from accounts.roles import staff_role
from audit.models import AuditEvent
from meshaws_site.models import ApiToken

User = get_user_model()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["operator", "support", "auditor"])
def test_it_creates_a_user_with_each_role(capsys, role):
    call_command("createuser", "erin", "--role", role, "--password", "Sturdy-passphrase-42")
    user = User.objects.get(username="erin")
    assert staff_role(user) == role
    assert user.check_password("Sturdy-passphrase-42")
    assert "Password:" not in capsys.readouterr().out


@pytest.mark.django_db
def test_it_generates_and_prints_a_password_when_none_is_given(capsys):
    call_command("createuser", "erin", "--role", "auditor")
    printed = [
        line for line in capsys.readouterr().out.splitlines() if line.startswith("Password: ")
    ]
    assert len(printed) == 1
    assert User.objects.get(username="erin").check_password(printed[0].removeprefix("Password: "))


@pytest.mark.django_db
def test_it_prints_a_working_api_token_as_the_last_line(capsys):
    call_command("createuser", "erin", "--role", "support", "--token")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/customers/").status_code == 200
    assert ApiToken.objects.get().user.username == "erin"


@pytest.mark.django_db
def test_it_refuses_an_unknown_role():
    with pytest.raises(CommandError, match=r"--role: invalid choice: 'admin'"):
        call_command("createuser", "erin", "--role", "admin")
    assert not User.objects.filter(username="erin").exists()


@pytest.mark.django_db
def test_it_refuses_a_duplicate_user():
    call_command("createuser", "erin", "--role", "support")
    with pytest.raises(CommandError, match="username: user 'erin' already exists"):
        call_command("createuser", "erin", "--role", "auditor")
    assert staff_role(User.objects.get(username="erin")) == "support"


@pytest.mark.django_db
def test_it_refuses_a_weak_password_naming_the_field():
    with pytest.raises(CommandError, match="password: This password is too short"):
        call_command("createuser", "erin", "--role", "support", "--password", "abc")
    assert not User.objects.filter(username="erin").exists()


@pytest.mark.django_db
def test_it_refuses_an_invalid_username():
    with pytest.raises(CommandError, match="username: Enter a valid username"):
        call_command("createuser", "erin smith", "--role", "support")


@pytest.mark.django_db
def test_it_records_the_creation_without_the_password(capsys):
    call_command(
        "createuser", "erin", "--role", "operator", "--password", "Sturdy-passphrase-42", "--token"
    )
    token = capsys.readouterr().out.strip().splitlines()[-1]
    events = list(AuditEvent.objects.order_by("id"))
    assert [event.action for event in events] == ["user.create", "token.create"]
    assert events[0].actor_name == "system"
    assert events[0].after == {"username": "erin", "role": "operator"}
    for event in events:
        text = f"{event.before} {event.after} {event.remark}"
        assert "Sturdy-passphrase-42" not in text and token not in text


@pytest.mark.django_db
def test_it_creates_the_first_operator_once(capsys, monkeypatch):
    monkeypatch.delenv("MESHAWS_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("MESHAWS_ADMIN_USERNAME", raising=False)
    call_command("create_first_operator")
    first = capsys.readouterr().out
    password = next(line for line in first.splitlines() if line.startswith("Password: "))
    password = password.removeprefix("Password: ").split()[0]
    admin = User.objects.get(username="admin")
    assert staff_role(admin) == "operator" and admin.check_password(password)

    call_command("create_first_operator")
    again = capsys.readouterr().out
    assert "Operator 'admin' exists" in again and password not in again
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_it_takes_the_first_operators_password_from_the_environment(capsys, monkeypatch):
    monkeypatch.setenv("MESHAWS_ADMIN_PASSWORD", "Env-provided-passphrase-7")
    monkeypatch.setenv("MESHAWS_ADMIN_USERNAME", "ops")
    call_command("create_first_operator")
    assert "Env-provided-passphrase-7" not in capsys.readouterr().out
    assert User.objects.get(username="ops").check_password("Env-provided-passphrase-7")
