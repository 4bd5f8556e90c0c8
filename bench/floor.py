"""The floor of the vending benchmark: plain boto3 issuing the calls one account needs.

No database, no queue, no scheduler: threads replay the AWS operations of a recorded meshaws
account (its shortest recorded sequence, i.e. one that got its creation slot at once) for N
accounts, at most `concurrency` creations in flight (a semaphore held from CreateAccount to
SUCCEEDED), polling DescribeCreateAccountStatus after the same waits as the engine (the poll
interval, then 1.5 times longer each time). Paginated operations follow every page, as
meshaws does. Whatever meshaws adds on top of this (queueing, back-off, recording, the
database) is its cost over the floor.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import boto3
import botocore.config
import botocore.exceptions

# Operations answered in pages: consecutive recorded calls of one are one paginated operation.
PAGINATED = {
    "organizations:ListAccounts",
    "organizations:ListCreateAccountStatus",
    "organizations:ListTagsForResource",
    "iam:ListAttachedRolePolicies",
}
CREATE = "organizations:CreateAccount"
DESCRIBE = "organizations:DescribeCreateAccountStatus"


def template_from(sequences: dict) -> list[str]:
    """The shortest recorded sequence (of a ready account) with one CreateAccount, pages
    collapsed."""
    candidates = [ops for ops in sequences.values() if ops.count(CREATE) == 1]
    if not candidates:
        raise SystemExit("bench: no recorded account created exactly one AWS account")
    shortest = min(candidates, key=len)
    template: list[str] = []
    for op in shortest:
        if op in PAGINATED and template and template[-1] == op:
            continue
        # The floor polls until SUCCEEDED itself, however many polls the emulator asks for.
        if op == DESCRIBE and template and template[-1] == DESCRIBE:
            continue
        template.append(op)
    return template


@dataclass
class _Counters:
    calls: int = 0
    in_flight: int = 0
    not_started: int = 0
    samples: list[int] = field(default_factory=list)
    creation_seconds: list[float] = field(default_factory=list)
    backlog_samples: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, value: int) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + value)


class _Account:
    """One account's replay: its names, and the clients it got along the way."""

    def __init__(self, floor: Floor, index: int) -> None:
        self.floor = floor
        self.index = index
        self.email = f"floor+{index:05d}@bench.example"
        self.name = f"floor-{index:05d}"
        self.alias = f"floor-bench-{index:05d}"
        self.account_id = ""
        self.request_id = ""
        self.iam = None
        self.role = -1

    def call(self, client, method: str, **params):
        self.floor.counters.add("calls", 1)
        try:
            return getattr(client, method)(**params)
        except botocore.exceptions.ClientError as error:
            return {"Error": error.response.get("Error", {})}

    def pages(self, client, method: str, key: str, **params) -> list:
        items, token = [], None
        while True:
            page = self.call(client, method, **params, **({"NextToken": token} if token else {}))
            items.extend(page.get(key, []))
            token = page.get("NextToken")
            if not token:
                return items

    def run(self, template: list[str]) -> None:
        floor = self.floor
        org = floor.organizations
        for op in template:
            if op == "sts:AssumeRole":
                if self.account_id:
                    self.iam = floor.member_iam(self, self.account_id)
                else:
                    self.call(
                        floor.service_sts, "assume_role",
                        RoleArn=floor.state.service_role_arn, RoleSessionName="floor",
                        ExternalId=floor.state.management_external_id,
                    )  # fmt: skip
            elif op == "organizations:ListAccounts":
                self.pages(org, "list_accounts", "Accounts")
            elif op == "organizations:ListCreateAccountStatus":
                self.pages(org, "list_create_account_status", "CreateAccountStatuses",
                           States=["IN_PROGRESS"])  # fmt: skip
            elif op == CREATE:
                with floor.slots:
                    floor.counters.add("not_started", -1)
                    floor.counters.add("in_flight", 1)
                    try:
                        self.create(org)
                    finally:
                        floor.counters.add("in_flight", -1)
            elif op == DESCRIBE:
                continue  # part of create()
            elif op == "organizations:ListTagsForResource":
                self.pages(org, "list_tags_for_resource", "Tags", ResourceId=self.account_id)
            elif op == "organizations:TagResource":
                self.call(org, "tag_resource", ResourceId=self.account_id, Tags=floor.tags(self))
            elif op == "organizations:ListParents":
                self.parent = self.call(org, "list_parents", ChildId=self.account_id)["Parents"][0]
            elif op == "organizations:MoveAccount":
                self.call(org, "move_account", AccountId=self.account_id,
                          SourceParentId=self.parent["Id"],
                          DestinationParentId=floor.state.landing_zone_ou_id)  # fmt: skip
            elif op == "iam:ListAccountAliases":
                self.call(self.iam, "list_account_aliases")
            elif op == "iam:CreateAccountAlias":
                self.call(self.iam, "create_account_alias", AccountAlias=self.alias)
            elif op == "iam:ListSAMLProviders":
                self.call(self.iam, "list_saml_providers")
            elif op == "iam:CreateSAMLProvider":
                self.call(self.iam, "create_saml_provider", Name=floor.saml_name,
                          SAMLMetadataDocument=floor.saml_metadata)  # fmt: skip
            elif op == "iam:GetRole":
                self.role += 1
                self.call(self.iam, "get_role", RoleName=floor.roles[self.role][0])
            elif op == "iam:CreateRole":
                self.call(self.iam, "create_role", RoleName=floor.roles[self.role][0],
                          AssumeRolePolicyDocument=floor.trust(self.account_id))  # fmt: skip
            elif op == "iam:ListAttachedRolePolicies":
                self.pages(self.iam, "list_attached_role_policies", "AttachedPolicies",
                           RoleName=floor.roles[self.role][0])  # fmt: skip
            elif op == "iam:AttachRolePolicy":
                self.call(self.iam, "attach_role_policy", RoleName=floor.roles[self.role][0],
                          PolicyArn=floor.roles[self.role][1])  # fmt: skip
            else:
                raise SystemExit(f"bench: the floor cannot replay {op}")

    def create(self, org) -> None:
        floor = self.floor
        answer = self.call(org, "create_account", Email=self.email, AccountName=self.name,
                           RoleName=floor.state.account_access_role)  # fmt: skip
        self.request_id = answer["CreateAccountStatus"]["Id"]
        wait = floor.poll_seconds
        started = time.monotonic()
        while True:
            status = self.call(
                org, "describe_create_account_status", CreateAccountRequestId=self.request_id
            )["CreateAccountStatus"]
            if status["State"] == "SUCCEEDED":
                self.account_id = status["AccountId"]
                with floor.counters.lock:
                    floor.counters.creation_seconds.append(time.monotonic() - started)
                return
            if status["State"] != "IN_PROGRESS":
                raise SystemExit(f"bench: the floor's creation failed: {status}")
            time.sleep(wait)
            wait *= 1.5


class Floor:
    """Shared boto3 session and clients, the creation slots and the counters."""

    def __init__(self, state, *, concurrency: int, poll_seconds: float) -> None:
        from sandbox import setup

        self.state = state
        self.poll_seconds = poll_seconds
        self.slots = threading.BoundedSemaphore(concurrency)
        self.counters = _Counters()
        record = setup.platform_record(state)
        self.saml_name = record["identityProvider"]["name"]
        self.saml_metadata = record["identityProvider"]["metadataDocument"]
        self.tag_prefix = record["tagPrefix"]
        self.roles = [
            (m["mapValue"]["roleName"], m["mapValue"]["policyArn"]) for m in record["roleMappings"]
        ]
        self.session = boto3.Session()
        self.config = botocore.config.Config(retries={"mode": "standard", "max_attempts": 3})
        service_user = {"aws_access_key_id": state.access_key_id,
                        "aws_secret_access_key": state.secret_access_key}  # fmt: skip
        self.service_sts = self._client("sts", **service_user)
        management = self.service_sts.assume_role(
            RoleArn=state.service_role_arn, RoleSessionName="floor",
            ExternalId=state.management_external_id,
        )["Credentials"]  # fmt: skip
        self.management = {
            "aws_access_key_id": management["AccessKeyId"],
            "aws_secret_access_key": management["SecretAccessKey"],
            "aws_session_token": management["SessionToken"],
        }
        self.organizations = self._client("organizations", region="us-east-1", **self.management)
        self.management_sts = self._client("sts", **self.management)

    def _client(self, service: str, region: str | None = None, **credentials):
        return self.session.client(
            service, region_name=region or self.state.region, endpoint_url=self.state.endpoint_url,
            config=self.config, **credentials,
        )  # fmt: skip

    def member_iam(self, account: _Account, account_id: str):
        account.floor.counters.add("calls", 1)
        assumed = self.management_sts.assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/{self.state.account_access_role}",
            RoleSessionName="floor", ExternalId=self.state.privileged_external_id,
        )["Credentials"]  # fmt: skip
        return self._client(
            "iam", aws_access_key_id=assumed["AccessKeyId"],
            aws_secret_access_key=assumed["SecretAccessKey"],
            aws_session_token=assumed["SessionToken"],
        )  # fmt: skip

    def tags(self, account: _Account) -> list[dict[str, str]]:
        wanted = {"customer": "bench", "project": account.name, "platform": "sandbox.local"}
        return [{"Key": self.tag_prefix + k, "Value": v} for k, v in wanted.items()]

    def trust(self, account_id: str) -> str:
        provider = f"arn:aws:iam::{account_id}:saml-provider/{self.saml_name}"
        return json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow", "Principal": {"Federated": provider},
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            }],
        })  # fmt: skip


def run(state, *, template: list[str], accounts: int, concurrency: int,
        poll_seconds: float) -> dict:  # fmt: skip
    """Replay `template` for `accounts` accounts; the figures."""
    floor = Floor(state, concurrency=concurrency, poll_seconds=poll_seconds)
    floor.counters.not_started = accounts
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            with floor.counters.lock:
                floor.counters.samples.append(floor.counters.in_flight)
                if floor.counters.not_started > 0:
                    floor.counters.backlog_samples.append(floor.counters.in_flight)

    sampler = threading.Thread(target=sample, daemon=True)
    started = time.monotonic()
    sampler.start()
    # Twice the creation slots: while some threads wait on AWS, others finish accounts.
    with ThreadPoolExecutor(max_workers=concurrency * 2) as pool:
        for _ in pool.map(lambda i: _Account(floor, i).run(template), range(accounts)):
            pass
    seconds = time.monotonic() - started
    done.set()
    sampler.join()
    counters = floor.counters
    return {
        "accounts": accounts,
        "ready": accounts,
        "seconds": round(seconds, 2),
        "accounts_per_minute": round(accounts / seconds * 60, 1),
        "aws_calls_per_account": round(counters.calls / accounts, 2),
        "in_flight_mean": round(statistics.fmean(counters.backlog_samples), 2)
        if counters.backlog_samples
        else 0.0,
        "in_flight_max": max(counters.samples, default=0),
        "at_limit_share": round(
            sum(1 for s in counters.backlog_samples if s >= concurrency)
            / len(counters.backlog_samples),
            3,
        )
        if counters.backlog_samples
        else 0.0,
        "creation_seconds_median": round(statistics.median(counters.creation_seconds), 2),
        "threads": concurrency * 2,
    }
