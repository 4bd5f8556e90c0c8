"""Adoption from a CSV file (`aws_account_id,customer.project[,landing zone]`), on the
Unmanaged accounts page and by `manage.py adopt_accounts`: one wrong line refuses the whole
file, with the errors by line; hostile files answer 400, never 500."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import ProjectAccount
from audit.models import AuditEvent
from tests.helpers import (
    adoptable_account,
    closed_account,
    csv_upload,
    nothing_adopted,
    platform_url,
)

# --- the page ----------------------------------------------------------------------------


@pytest.mark.sandbox
def test_a_csv_file_adopts_every_line(client, alice, sandbox_state, sandbox_platform, shop):
    web_id, shop_id = (
        adoptable_account(sandbox_state, "web"),
        adoptable_account(sandbox_state, "shop"),
    )
    # A spreadsheet's export: byte-order mark, header, CRLF, quotes, blank lines, spaces.
    data = (
        f'\ufeffaws_account_id,project,landing zone\r\n\r\n"{web_id}", acme.web ,default\r\n'
        f"{shop_id},acme.shop\r\n\r\n"
    )
    client.force_login(alice)

    response = client.post(platform_url("platform-adopt-csv", sandbox_platform), csv_upload(data))

    assert response.status_code == 302
    adopted = dict(ProjectAccount.objects.values_list("aws_account_id", "project__identifier"))
    assert adopted == {web_id: "web", shop_id: "shop"}
    assert AuditEvent.objects.get(action="platform.adopt").after["source"] == "csv"


@pytest.mark.sandbox
def test_one_bad_line_refuses_the_whole_file_with_errors_by_line(
    client, alice, sandbox_state, sandbox_platform, shop
):
    web_id, shop_id = (
        adoptable_account(sandbox_state, "web"),
        adoptable_account(sandbox_state, "shop"),
    )
    closed, state = closed_account(sandbox_state, "closed")
    data = (
        f"aws_account_id,customer.project\n{web_id},acme.web\n{shop_id},acme.nope\n"
        f"{closed},acme.shop\n{web_id},acme.shop\n1234,acme.shop\n{shop_id},acme.shop,x,y\n"
    )
    client.force_login(alice)

    response = client.post(platform_url("platform-adopt-csv", sandbox_platform), csv_upload(data))

    assert response.status_code == 400
    content = response.content.decode()
    for error in (
        "line 3: project acme.nope does not exist",
        f"line 4: AWS account {closed} is {state}, only ACTIVE accounts can be adopted",
        f"line 5: AWS account {web_id} is on line 2 already",
        "line 6: aws_account_id 1234: must be an AWS account id of exactly 12 digits",
        "line 7: 4 fields; expected aws_account_id,customer.project[,landing zone]",
    ):
        assert error in content, error
    assert "line 2:" not in content
    nothing_adopted()


@pytest.mark.parametrize(
    "data, error",
    [
        (b"111111111111,acme.web\n\xff\xfe", "the file is not UTF-8 text (byte 23)"),
        (b"111111111111,acme.web\x00\n", "the file holds a NUL character"),
        (b"aws_account_id,customer.project\n\n", "the file has no accounts"),
        (b"", "the file has no accounts"),
        (b"=cmd|' /C calc'!A0,acme.web\n", "line 1: aws_account_id =cmd|' /C calc'!A0: must be"),
        (b'111111111111,"acme.web\n', "line 1: unexpected end of data; nothing after it was read"),
        (b"1" * 200_000 + b",acme.web\n", "line 1: field larger than field limit"),
        (b"x" * 300_000, "the file has 262145 bytes; at most 262144 bytes (256 KiB) at once"),
        (b"a,b\n" * 1001, "the file has more than 1000 lines of accounts; at most 1000 at once"),
        (b"111111111111\n", "line 1: 1 fields; expected aws_account_id,customer.project"),
        (b"111111111111,@SUM(1),x\n", "line 1: project @SUM(1) does not exist"),
    ],
)
def test_hostile_files_are_refused_without_a_server_error(client, alice, platform, data, error):
    client.force_login(alice)

    response = client.post(platform_url("platform-adopt-csv", platform), csv_upload(data))

    assert response.status_code == 400
    assert error in response.content.decode().replace("&#x27;", "'")
    assert not ProjectAccount.objects.exists()


def test_a_huge_landing_zone_is_refused_shortly(client, alice, platform, project):
    client.force_login(alice)
    data = "111111111111,acme.web," + "z" * 100_000 + "\n"

    response = client.post(platform_url("platform-adopt-csv", platform), csv_upload(data))

    assert response.status_code == 400
    content = response.content.decode()
    assert f"line 1: landing zone {'z' * 39}…: at most 63 characters" in content
    assert "z" * 100 not in content


def test_a_missing_file_is_refused(client, alice, platform):
    client.force_login(alice)
    response = client.post(platform_url("platform-adopt-csv", platform))
    assert response.status_code == 400 and "choose a CSV file" in response.content.decode()


@pytest.mark.sandbox
def test_the_command_adopts_a_file_or_refuses_it_whole(
    sandbox_state, sandbox_platform, shop, tmp_path, capsys
):
    web_id, shop_id = (
        adoptable_account(sandbox_state, "web"),
        adoptable_account(sandbox_state, "shop"),
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{web_id},acme.web\n{shop_id},acme.nope\n")
    with pytest.raises(CommandError, match="line 2: project acme.nope does not exist"):
        call_command("adopt_accounts", "aws.local", str(bad))
    nothing_adopted()
    good = tmp_path / "good.csv"
    good.write_text(f"{web_id},acme.web\n{shop_id},acme.shop\n")

    call_command("adopt_accounts", "aws.local", str(good))

    assert "2 account(s) adopted" in capsys.readouterr().out
    assert ProjectAccount.objects.count() == 2


def test_the_command_names_an_unreadable_file(platform, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("adopt_accounts", "aws-prod.eu", str(tmp_path / "missing.csv"))
