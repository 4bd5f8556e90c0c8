"""Sign-in rate limiting (django-axes): a username+address pair is locked out after N failures."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

PASSWORD = "correct-horse-battery-staple"


def sign_in(client, password, username="alice", **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def fail(client, times, username="alice", **extra):
    for _ in range(times):
        response = sign_in(client, "wrong-password", username, **extra)
    return response


@pytest.fixture
def limit():
    assert settings.AXES_FAILURE_LIMIT == 5  # the documented default
    return settings.AXES_FAILURE_LIMIT


def test_it_only_warns_before_the_limit(client, alice, limit):
    response = fail(client, limit - 1)
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_it_locks_out_at_the_limit_with_a_clear_message(client, alice, limit):
    response = fail(client, limit)
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    page = response.content.decode()
    assert "Too many failed sign-ins" in page
    assert f"after {limit} wrong passwords" in page and "locked for 15 minutes" in page


def test_it_refuses_the_right_password_while_locked_out(client, alice, limit):
    fail(client, limit)
    response = sign_in(client, PASSWORD)
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert client.get("/").status_code == 302  # not signed in


def test_it_lets_other_users_and_other_addresses_sign_in(client, alice, bob, limit):
    fail(client, limit)
    assert sign_in(client, PASSWORD, username="bob").status_code == 302
    assert sign_in(client, PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_it_unlocks_after_the_cool_off(client, alice, limit):
    fail(client, limit)
    # The cool-off has passed: move the recorded failures back past it instead of waiting.
    past = timezone.now() - settings.AXES_COOLOFF_TIME - timezone.timedelta(seconds=1)
    assert AccessAttempt.objects.update(attempt_time=past) == 1
    response = sign_in(client, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"


def test_it_unlocks_a_username_by_command(client, alice, limit):
    fail(client, limit)
    call_command("axes_reset_username", "alice")
    assert sign_in(client, PASSWORD).status_code == 302


def test_it_forgets_failures_after_a_successful_sign_in(client, alice, limit):
    fail(client, limit - 1)
    assert sign_in(client, PASSWORD).status_code == 302
    client.post("/logout/")
    response = fail(client, limit - 1)
    assert response.status_code == 200
