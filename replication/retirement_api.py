"""REST endpoints for retiring project accounts: the request, approval, decline, detach and
release actions of `/api/v1/accounts/{id}/`, and the queue `/api/v1/retirements/`.

Every refusal by the services' rules (the comment, the account's lifecycle, four eyes) is a 400
naming the field (`comment` or `account`); a 403 only ever means the role may not.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse

from accounts import permissions
from accounts import services as account_services
from accounts.filters import AccountRetirementFilter
from accounts.models import AccountRetirement, ProjectAccount
from meshaws_site.api import HistoryPages, RolePermissions, lacks_method

from . import selectors


class _Holds(BasePermission):
    """The user holds `permission`; a method the endpoint lacks stays a 405 for every role."""

    permission = ""

    def has_permission(self, request, view) -> bool:
        if lacks_method(request, view):
            return True
        return bool(request.user and request.user.has_perm(self.permission))


class RequestsDeletion(_Holds):
    permission = permissions.REQUEST_DELETION


class ApprovesDeletion(_Holds):
    permission = permissions.APPROVE_DELETION


class Detaches(_Holds):
    permission = permissions.DETACH


class Releases(_Holds):
    permission = permissions.RELEASE


class RetirementComment(serializers.Serializer):
    # Its rules (required, at most 255 characters, no control characters) live once, in the
    # service, which answers 400 naming `comment`.
    comment = serializers.CharField(
        allow_blank=True, trim_whitespace=False,
        help_text="why: required, at most 255 characters; audited with the transition",
    )  # fmt: skip


class RetirementSummarySerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True,
        help_text="who asked (null: the user was deleted)",
    )  # fmt: skip
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True,
        help_text="who approved or declined; null while pending, or when the landing zone "
        "approved at once (`automatic`)",
    )  # fmt: skip

    class Meta:
        model = AccountRetirement
        fields = [
            "id", "requested_by", "requested_at", "comment", "decision", "decided_by",
            "decided_at", "decision_comment", "automatic", "completed_at",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "decision": {"help_text": "pending (requires approval), approved or declined"},
            "automatic": {"help_text": "approved at once: automateDeletionApproval"},
            "completed_at": {"help_text": "when the retirement run ended: the account is deleted"},
        }


class RetirementSerializer(RetirementSummarySerializer):
    account = serializers.HyperlinkedRelatedField(
        view_name="api-projectaccount-detail", read_only=True
    )
    project = serializers.CharField(
        source="account.project.full_identifier", read_only=True, help_text="customer.project"
    )
    platform = serializers.CharField(
        source="account.platform.full_identifier", read_only=True, help_text="platform.location"
    )
    aws_account_id = serializers.CharField(
        source="account.aws_account_id", read_only=True, allow_null=True
    )
    lifecycle = serializers.ChoiceField(
        source="account.lifecycle", choices=ProjectAccount.Lifecycle.choices, read_only=True,
        help_text="the account's lifecycle now",
    )  # fmt: skip
    run = serializers.SerializerMethodField(
        help_text="once approved: the account's latest run, the one that retires it"
    )

    class Meta(RetirementSummarySerializer.Meta):
        fields = [
            "account", "project", "platform", "aws_account_id", "lifecycle",
            *RetirementSummarySerializer.Meta.fields, "run",
        ]  # fmt: skip
        read_only_fields = fields

    def get_run(self, retirement: AccountRetirement) -> str | None:
        run = getattr(retirement, "latest_run_id", None)
        if retirement.decision != AccountRetirement.Decision.APPROVED or run is None:
            return None
        request = self.context.get("request")
        return reverse("api-replicationrun-detail", kwargs={"pk": run}, request=request)


class AccountLifecycleSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-projectaccount-detail")

    class Meta:
        model = ProjectAccount
        fields = ["url", "id", "aws_account_id", "lifecycle", "deleted_at", "released_at"]
        read_only_fields = fields
        extra_kwargs = {
            "deleted_at": {"help_text": "when it stopped being managed (deleted or detached)"},
            "released_at": {"help_text": "when its AWS account id was released for adoption"},
        }


LIFECYCLE_REFUSAL = (
    " A 400 names `comment` (required, at most 255 characters) or `account` (not possible in "
    "the account's lifecycle)."
)


class RetirementActions:
    """The lifecycle actions of one project account, for ProjectAccountViewSet."""

    def _comment(self, request) -> str:
        given = RetirementComment(data=request.data)
        given.is_valid(raise_exception=True)
        return given.validated_data["comment"]

    def _retirement_response(self, request, service, code: int) -> Response:
        account = self.get_object()
        done = service(account=account, comment=self._comment(request), actor=request.user)
        retirement = selectors.retirements().get(pk=done.pk)
        body = RetirementSerializer(retirement, context=self.get_serializer_context()).data
        return Response(body, status=code)

    def _account_response(self, request, service) -> Response:
        account = service(
            account=self.get_object(), comment=self._comment(request), actor=request.user
        )
        body = AccountLifecycleSerializer(account, context=self.get_serializer_context()).data
        return Response(body)

    @extend_schema(
        request=RetirementComment, responses={202: RetirementSerializer},
        description="Ask to retire an active account: it becomes `deletion_requested` until "
        "another operator approves or declines; a landing zone with automateDeletionApproval "
        "approves at once (`retiring`, a run retires it)." + LIFECYCLE_REFUSAL,
    )  # fmt: skip
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, RequestsDeletion])
    def deletion(self, request, pk=None):
        """Request the account's retirement."""
        return self._retirement_response(
            request, account_services.deletion_request, status.HTTP_202_ACCEPTED
        )

    @extend_schema(
        request=RetirementComment, responses={202: RetirementSerializer},
        description="Approve the pending retirement: the account becomes `retiring` and a run "
        "retires it (`run`). Four eyes: the requester's own approval is a 400 on `account`."
        + LIFECYCLE_REFUSAL,
    )  # fmt: skip
    @action(
        detail=True, methods=["post"], url_path="deletion/approve", url_name="deletion-approve",
        permission_classes=[IsAuthenticated, ApprovesDeletion],
    )  # fmt: skip
    def deletion_approve(self, request, pk=None):
        """Approve the account's pending retirement."""
        return self._retirement_response(
            request, account_services.deletion_approve, status.HTTP_202_ACCEPTED
        )

    @extend_schema(
        request=RetirementComment, responses={200: RetirementSerializer},
        description="Decline the pending retirement: the account returns to its lifecycle "
        "before the request." + LIFECYCLE_REFUSAL,
    )  # fmt: skip
    @action(
        detail=True, methods=["post"], url_path="deletion/decline", url_name="deletion-decline",
        permission_classes=[IsAuthenticated, ApprovesDeletion],
    )  # fmt: skip
    def deletion_decline(self, request, pk=None):
        """Decline the account's pending retirement."""
        return self._retirement_response(
            request, account_services.deletion_decline, status.HTTP_200_OK
        )

    @extend_schema(
        request=RetirementComment, responses={200: AccountLifecycleSerializer},
        description="Stop managing the account without any AWS call: it becomes `detached`, "
        "its AWS account id is free to adopt again, and the next discovery lists it as "
        "unmanaged. A pending retirement request is declined." + LIFECYCLE_REFUSAL,
    )  # fmt: skip
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, Detaches])
    def detach(self, request, pk=None):
        """Detach the account."""
        return self._account_response(request, account_services.account_detach)

    @extend_schema(
        request=RetirementComment, responses={200: AccountLifecycleSerializer},
        description="Release the AWS account id of a deleted account, so that another project "
        "account may adopt it; this account keeps it as history." + LIFECYCLE_REFUSAL,
    )  # fmt: skip
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, Releases])
    def release(self, request, pk=None):
        """Release the account's AWS account id."""
        return self._account_response(request, account_services.account_id_release)


class RetirementPages(HistoryPages):
    """Cursor pages of retirement requests, newest request first."""

    ordering = ("-requested_at", "-id")


class AccountRetirementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Retirement requests and their decisions, newest first: the Retirements queue."""

    serializer_class = RetirementSerializer
    permission_classes = [IsAuthenticated, RolePermissions]
    filterset_class = AccountRetirementFilter
    pagination_class = RetirementPages
    queryset = selectors.retirements()
