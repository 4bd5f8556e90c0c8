"""REST endpoints for project accounts (with their runs, re-syncs and lifecycle actions, see
retirement_api.py), replication runs and unmanaged accounts."""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, Subquery
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.api import PlatformReferenceField, ProjectReferenceField
from accounts.filters import ProjectAccountFilter
from accounts.models import AccountRetirement, ProjectAccount
from accounts.permissions import RESYNC
from accounts.roles import sees_step_detail
from meshaws_site.api import HistoryPages, RolePermissions, lacks_method

from . import adoption, services
from .filters import ReplicationRunFilter, UnmanagedAccountFilter
from .models import LeftBehindResource, ReplicationRun, ReplicationStep, UnmanagedAccount
from .retirement_api import RetirementActions, RetirementSummarySerializer
from .what_to_fix import run_advice


class LeftBehindSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeftBehindResource
        fields = ["mode", "kind", "name", "arn", "group_id", "detail", "recorded_at"]
        read_only_fields = fields
        extra_kwargs = {
            "mode": {"help_text": "the access mode that made it"},
            "kind": {
                "help_text": "what it is: a SAML provider or IAM role in the account, or an "
                "Identity Center group or account assignment"
            },
            "detail": {
                "help_text": "what else removing it by hand needs: project role and "
                "policies, or identity store and members, or instance"
            },
            "name": {"help_text": "the SAML provider's or IAM role's name; the group's name"},
            "arn": {"help_text": "the provider's or role's ARN; the assignment's permission set"},
            "group_id": {"help_text": "the group's id (a group, or an assignment's group)"},
            "recorded_at": {"help_text": "when the platform left that mode"},
        }


class ProjectAccountSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-projectaccount-detail")
    project = ProjectReferenceField()
    platform = PlatformReferenceField()
    landing_zone = serializers.CharField(
        source="landing_zone.identifier", required=False,
        help_text="landing zone identifier; default: the platform's first enabled one",
    )  # fmt: skip
    aws_account_id = serializers.CharField(
        required=False, allow_null=True,
        help_text="to adopt an existing AWS account; otherwise filled by replication",
    )  # fmt: skip

    runs = serializers.SerializerMethodField()
    last_run = serializers.SerializerMethodField()
    left_behind = LeftBehindSerializer(
        many=True, read_only=True,
        help_text="what the platform's earlier access mode made for the account and meshaws no "
        "longer manages; meshaws never deletes it",
    )  # fmt: skip
    retirement = serializers.SerializerMethodField(
        help_text="the pending or latest retirement request and its decision (null: none)"
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    differences = serializers.SerializerMethodField(
        help_text="where AWS, as the last run read it, differs from the configuration: field, "
        "actual and wanted"
    )

    class Meta:
        model = ProjectAccount
        fields = [
            "url", "project", "platform", "landing_zone", "aws_account_id",
            "email", "name", "alias", "status", "status_label", "status_message",
            "next_attempt_at", "warnings", "differences", "runs", "last_run", "left_behind",
            "lifecycle", "retirement",
        ]  # fmt: skip
        # Not deleted_at and released_at: in the unique constraints' conditions, they would make
        # DRF require them on input (the detach and release answers have them).
        read_only_fields = [
            "email", "name", "alias", "status", "status_message", "next_attempt_at", "warnings",
            "lifecycle",
        ]  # fmt: skip
        extra_kwargs = {
            "status": {
                "help_text": "queued (waiting for a worker or a creation slot); running; "
                "waiting_for_aws (a creation or assignment in progress); retrying (a transient "
                "error, tried again at next_attempt_at); failed (needs a person: see "
                "status_message); ready; ready_with_warnings (AWS left different somewhere)"
            },
            "lifecycle": {
                "help_text": "active; deletion_requested (awaits a second operator); retiring "
                "(a run retires it); deleted; detached (no longer managed, no AWS call)"
            },
        }

    def get_runs(self, account: ProjectAccount) -> str:
        url = reverse("api-replicationrun-list", request=self.context.get("request"))
        return f"{url}?account={account.pk}"

    def get_last_run(self, account: ProjectAccount) -> str | None:
        last = getattr(account, "last_run_id", None)
        if last is None:
            last = account.runs.order_by("-created_at").values_list("pk", flat=True).first()
        if last is None:
            return None
        return reverse(
            "api-replicationrun-detail", kwargs={"pk": last}, request=self.context.get("request")
        )

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_differences(self, account: ProjectAccount) -> list[dict]:
        return [
            {"field": d.field, "actual": d.actual, "wanted": d.wanted} for d in account.differences
        ]

    @extend_schema_field(RetirementSummarySerializer(allow_null=True))
    def get_retirement(self, account: ProjectAccount) -> dict | None:
        history = getattr(account, "retirement_history", None)
        if history is None:
            history = account.retirements.select_related("requested_by", "decided_by")[:1]
        latest = next(iter(history), None)
        return None if latest is None else RetirementSummarySerializer(latest).data

    def create(self, data):
        fields = {
            "project": data["project"], "platform": data["platform"],
            "landing_zone": data.get("landing_zone", {}).get("identifier"),
            "actor": self.context["request"].user,
        }  # fmt: skip
        if data.get("aws_account_id"):
            # Adopting: checked in AWS first (in the organization, ACTIVE), as on the page.
            return adoption.account_adopt(**fields, aws_account_id=data["aws_account_id"])
        return account_services.project_account_create(**fields)


class ResyncPermission(BasePermission):
    """Operators and support staff may request a re-sync (the custom `resync` permission)."""

    def has_permission(self, request, view) -> bool:
        if lacks_method(request, view):
            return True
        return bool(request.user and request.user.has_perm(RESYNC))


class AwsCallSerializer(serializers.Serializer):
    service = serializers.CharField()
    operation = serializers.CharField()
    request_id = serializers.CharField()
    error_code = serializers.CharField(allow_blank=True)


# What operators and auditors see of a step beyond its remark (accounts.roles.sees_step_detail).
STEP_DETAIL_FIELDS = ("detail", "aws_calls")


class ReplicationStepSerializer(serializers.ModelSerializer):
    started = serializers.DateTimeField(source="started_at")
    finished = serializers.DateTimeField(source="finished_at")
    # Not required: left out for support staff, as on the pages.
    detail = serializers.CharField(
        required=False, help_text="what the step compared and changed (operators and auditors)"
    )
    aws_calls = AwsCallSerializer(
        many=True, required=False, help_text="the AWS calls the step made (operators and auditors)"
    )

    class Meta:
        model = ReplicationStep
        fields = [
            "attempt", "name", "status", "started", "finished", "remark", *STEP_DETAIL_FIELDS,
        ]  # fmt: skip

    def to_representation(self, step: ReplicationStep) -> dict:
        data = super().to_representation(step)
        if not sees_step_detail(getattr(self.context.get("request"), "user", None)):
            for name in STEP_DETAIL_FIELDS:
                data.pop(name, None)
        return data


class WhatToFixSerializer(serializers.Serializer):
    text = serializers.CharField()
    field = serializers.CharField(allow_blank=True, help_text="the platform record's key")
    code = serializers.CharField(allow_blank=True, help_text="the AWS error code it answers")


class ReplicationRunSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-replicationrun-detail")
    account = serializers.HyperlinkedRelatedField(
        view_name="api-projectaccount-detail", read_only=True
    )
    requested_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="null: the system"
    )
    created = serializers.DateTimeField(source="created_at")
    started = serializers.DateTimeField(source="started_at", allow_null=True)
    finished = serializers.DateTimeField(source="finished_at", allow_null=True)
    cause = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True,
        help_text="the id of the audit event of the change that caused the run (null: none)",
    )  # fmt: skip
    what_to_fix = serializers.SerializerMethodField(
        help_text="for a failed or retrying run: what to fix (text) and the platform field to "
        "change (field, may be empty); null otherwise"
    )
    steps = ReplicationStepSerializer(many=True)

    class Meta:
        model = ReplicationRun
        fields = [
            "url", "id", "account", "trigger", "requested_by", "status", "attempt", "created",
            "started", "finished", "error", "error_step", "error_operation", "error_code",
            "cause", "what_to_fix", "steps",
        ]  # fmt: skip

    @extend_schema_field(WhatToFixSerializer(allow_null=True))
    def get_what_to_fix(self, run: ReplicationRun) -> dict | None:
        found = run_advice(run, run.account, run.steps.all())
        if found is None:
            return None
        return {"text": found.advice.text, "field": found.advice.field, "code": found.code}


class ResyncAccepted(serializers.Serializer):
    url = serializers.URLField()
    id = serializers.UUIDField()
    status = serializers.CharField()
    created = serializers.BooleanField(help_text="false: joined the run in progress")


class RetryAccepted(serializers.Serializer):
    url = serializers.URLField()
    id = serializers.UUIDField()
    status = serializers.CharField(help_text="waiting: a worker takes it next")
    attempt = serializers.IntegerField(help_text="the attempt made so far; the next one is queued")


def _with_runs_and_retirements(accounts):
    """Accounts with their last run's id, left-behind resources and retirements, newest first."""
    return accounts.annotate(
        last_run_id=Subquery(
            ReplicationRun.objects.filter(account=OuterRef("pk"))
            .order_by("-created_at")
            .values("pk")[:1]
        )
    ).prefetch_related(
        "left_behind",
        Prefetch(
            "retirements",
            queryset=AccountRetirement.objects.select_related("requested_by", "decided_by"),
            to_attr="retirement_history",
        ),
    )


# Actions that read retired and detached accounts too: they stay readable (their lifecycle
# says what they are), a deleted account's id is released, and a request or detach of an
# account no longer managed is refused by the service with a 400 naming `account`, not a 404.
ACTIONS_ON_ENDED_ACCOUNTS = {
    "retrieve", "deletion", "deletion_approve", "deletion_decline", "detach", "release",
}  # fmt: skip


class ProjectAccountViewSet(
    RetirementActions, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Project accounts: enabling a project on a platform creates (or adopts) its AWS account;
    retiring one asks a second operator, and a run retires it."""

    serializer_class = ProjectAccountSerializer
    permission_classes = [RolePermissions]
    filterset_class = ProjectAccountFilter
    queryset = _with_runs_and_retirements(account_selectors.project_accounts())

    def get_queryset(self):
        if self.action in ACTIONS_ON_ENDED_ACCOUNTS:
            return _with_runs_and_retirements(
                ProjectAccount.objects.select_related(
                    "project__customer", "platform__location", "landing_zone"
                )
            )
        return super().get_queryset()

    @extend_schema(request=None, responses={202: ResyncAccepted})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, ResyncPermission])
    def resync(self, request, pk=None):
        """Request a re-sync: the account's run in progress, or a new one (202 either way)."""
        account = self.get_object()
        run, created = services.request_replication(
            account=account, trigger=ReplicationRun.Trigger.RESYNC, actor=request.user
        )
        url = reverse("api-replicationrun-detail", kwargs={"pk": run.pk}, request=request)
        body = {"url": url, "id": str(run.pk), "status": run.status, "created": created}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class ReplicationRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Replication runs, newest first, with their steps and AWS calls."""

    serializer_class = ReplicationRunSerializer
    permission_classes = [IsAuthenticated, RolePermissions]
    filterset_class = ReplicationRunFilter
    pagination_class = HistoryPages
    queryset = (
        ReplicationRun.objects.select_related("requested_by", "account")
        .prefetch_related(
            Prefetch("steps", queryset=ReplicationStep.objects.order_by("attempt", "position"))
        )
        .order_by("-created_at")
    )

    @extend_schema(request=None, responses={202: RetryAccepted})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, ResyncPermission])
    def retry(self, request, pk=None):
        """Retry a waiting or retrying run now: its next attempt is queued at once (202); a run
        that is not waiting is refused (400, naming `run`)."""
        run = services.run_retry_now(run=self.get_object(), actor=request.user)
        url = reverse("api-replicationrun-detail", kwargs={"pk": run.pk}, request=request)
        body = {"url": url, "id": str(run.pk), "status": run.status, "attempt": run.attempt}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class UnmanagedAccountSerializer(serializers.ModelSerializer):
    platform = serializers.CharField(
        source="platform.full_identifier", help_text="the platform, as platform.location"
    )
    parent = serializers.CharField(
        source="parent_id", help_text="the root or OU the account is in (r-… or ou-…)"
    )

    class Meta:
        model = UnmanagedAccount
        fields = [
            "platform", "aws_account_id", "name", "email", "parent", "state", "tags",
            "first_seen", "last_seen",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "state": {"help_text": "AWS's state: ACTIVE, SUSPENDED, PENDING_CLOSURE or CLOSED"},
            "first_seen": {"help_text": "the first discovery that found it unmanaged"},
            "last_seen": {"help_text": "the last discovery that found it unmanaged"},
        }


class UnmanagedAccountViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Accounts of the platforms' organizations that no project account manages, as the last
    discovery saw them (a list: an account is named by its AWS id and platform)."""

    serializer_class = UnmanagedAccountSerializer
    permission_classes = [IsAuthenticated, RolePermissions]
    filterset_class = UnmanagedAccountFilter
    queryset = UnmanagedAccount.objects.select_related("platform__location").order_by(
        "platform_id", "aws_account_id"
    )
