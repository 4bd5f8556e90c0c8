"""`POST /api/v1/platforms/{platform.location}/enable-projects/`: many projects enabled on one
platform at once, all or none (accounts.services.bulk_enable), each project's result listed."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from meshaws_site.api import lacks_method
from platforms import selectors as platform_selectors

from . import permissions
from .filters import DOTTED
from .models import Project
from .services import EnableRefused, EnableResult, projects_enable
from .services.bulk_enable import MAX_PROJECTS, Outcome


class AddsProjectAccounts(BasePermission):
    """Operators enable projects; a method the endpoint lacks stays a 405 for every role."""

    def has_permission(self, request, view) -> bool:
        if lacks_method(request, view):
            return True
        return bool(request.user and request.user.has_perm(permissions.ADD_PROJECT_ACCOUNT))


class ProjectsEnableRequest(serializers.Serializer):
    projects = serializers.ListField(
        child=serializers.CharField(max_length=200), allow_empty=False, max_length=MAX_PROJECTS,
        help_text=f"the projects, as customer.project; at most {MAX_PROJECTS}",
    )  # fmt: skip
    landing_zone = serializers.CharField(
        max_length=63, required=False, allow_blank=True, default="",
        help_text="the landing zone's identifier; empty: the platform's first enabled one",
    )  # fmt: skip
    dry_run = serializers.BooleanField(
        default=False, help_text="check everything and enable nothing: the names each would get"
    )

    def validate_projects(self, names: list[str]) -> list[Project]:
        """The projects named, in the order given, read in one query."""
        bad = [name for name in names if not DOTTED.match(name)]
        if bad:
            raise serializers.ValidationError(
                [f"{name!r} is not a project (write it as customer.project)" for name in bad[:10]]
            )
        pairs = {tuple(name.split(".")) for name in names}
        found = {
            project.full_identifier: project
            for project in Project.objects.select_related("customer").filter(
                reduce(or_, (Q(customer__identifier=c, identifier=p) for c, p in pairs))
            )
        }
        missing = [name for name in names if name not in found]
        if missing:
            raise serializers.ValidationError(
                [f"no project {name!r}" for name in missing[:10]]
                + ([f"and {len(missing) - 10} more"] if len(missing) > 10 else [])
            )
        return [found[name] for name in names]


class ProjectResult(serializers.Serializer):
    project = serializers.CharField(help_text="customer.project")
    result = serializers.ChoiceField(
        choices=[Outcome.ENABLED, Outcome.ALREADY_ENABLED, Outcome.REFUSED]
    )
    account = serializers.CharField(
        allow_null=True, help_text="the account's URL (null in a dry run and when refused)"
    )
    name = serializers.CharField(allow_blank=True, help_text="the account's name")
    alias = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="why it was refused, by field",
    )


class ProjectsEnableResponse(serializers.Serializer):
    platform = serializers.CharField()
    dry_run = serializers.BooleanField()
    enabled = serializers.IntegerField(help_text="projects enabled (in a dry run: that would be)")
    already_enabled = serializers.IntegerField()
    results = ProjectResult(many=True)


def _result(request, result: EnableResult, *, saved: bool) -> dict:
    account = result.account
    return {
        "project": result.project.full_identifier,
        "result": result.outcome,
        "account": (
            reverse("api-projectaccount-detail", args=[account.pk], request=request)
            if account is not None and saved
            else None
        ),
        "name": account.name if account else "",
        "alias": account.alias if account else "",
        "email": account.email if account else "",
        "errors": result.errors,
    }


class ProjectsEnableView(APIView):
    """Enable many projects on one platform."""

    permission_classes = [IsAuthenticated, AddsProjectAccounts]

    @extend_schema(
        request=ProjectsEnableRequest,
        parameters=[
            OpenApiParameter("platform", str, OpenApiParameter.PATH),
            OpenApiParameter("location", str, OpenApiParameter.PATH),
        ],
        description="Enable each project on the platform, in one landing zone: every project "
        "is enabled, or none. A project enabled on the platform already is reported "
        "(`already_enabled`) and left as it is, so sending the same request again is safe. Each "
        "new account is audited and replicated as `POST /api/v1/accounts/` does.",
        responses={
            200: ProjectsEnableResponse,
            201: ProjectsEnableResponse,
            400: OpenApiResponse(
                description="nothing was enabled: the problems by field (`platform`, "
                "`landing_zone`, `projects`) and, when projects were refused, each project's "
                "result in `results`"
            ),
        },
    )  # fmt: skip
    def post(self, request, platform: str, location: str):
        """201 when projects were enabled; 200 in a dry run or when all were enabled already."""
        found = platform_selectors.platform_by_full_identifier(f"{platform}.{location}")
        if found is None:
            raise Http404
        given = ProjectsEnableRequest(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            results = projects_enable(
                platform=found, projects=data["projects"],
                landing_zone=data["landing_zone"] or None, actor=request.user,
                dry_run=data["dry_run"],
            )  # fmt: skip
        except EnableRefused as refused:
            body: dict = dict(refused.errors)
            if refused.results:
                count = sum(r.outcome == Outcome.REFUSED for r in refused.results)
                body["projects"] = [f"{count} of {len(refused.results)} projects refused; "
                                    "nothing was enabled"]  # fmt: skip
                body["results"] = [_result(request, r, saved=False) for r in refused.results]
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        saved = not data["dry_run"]
        enabled = sum(result.outcome == Outcome.ENABLED for result in results)
        body = {
            "platform": found.full_identifier,
            "dry_run": data["dry_run"],
            "enabled": enabled,
            "already_enabled": len(results) - enabled,
            "results": [_result(request, result, saved=saved) for result in results],
        }
        created = saved and enabled
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
