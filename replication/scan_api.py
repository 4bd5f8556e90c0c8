"""REST endpoints of discovery scans (`/api/v1/discovery-scans/`): start a scan of a platform's
organization for unmanaged accounts, and follow its progress as the unmanaged accounts page
does. What a scan found is listed by `/api/v1/unmanaged-accounts/`."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.api import PlatformReferenceField
from accounts.filters import PlatformFilter
from meshaws_site.api import HistoryPages, ReadWritePermissions

from .models import DiscoveryScan
from .permissions import DISCOVER, VIEW_UNMANAGED_ACCOUNTS
from .scans import scan_request


class ScanPermissions(ReadWritePermissions):
    """Reading scans needs the unmanaged accounts' view permission; starting one, DISCOVER."""

    read, write = VIEW_UNMANAGED_ACCOUNTS, DISCOVER


class DiscoveryScanSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-discoveryscan-detail")
    platform = PlatformReferenceField(help_text="the platform whose organization is scanned")
    requested_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="null for the daily scan and the command",
    )

    class Meta:
        model = DiscoveryScan
        fields = [
            "url", "id", "platform", "status", "requested_by", "created_at", "started_at",
            "finished_at", "accounts_listed", "accounts_read", "unmanaged_found", "error",
        ]  # fmt: skip
        read_only_fields = [name for name in fields if name != "platform"]
        # A request while a scan is in progress joins it (scans.scan_request): not a 400.
        validators = []
        extra_kwargs = {
            "accounts_listed": {"help_text": "accounts of the organization listed so far"},
            "accounts_read": {"help_text": "of those, read in full (their OU and tags)"},
            "unmanaged_found": {"help_text": "accounts no project account manages, so far"},
            "error": {"help_text": "why a failed scan failed"},
        }


class DiscoveryScanFilter(django_filters.FilterSet):
    """Scans by platform and status."""

    platform = PlatformFilter()
    status = django_filters.ChoiceFilter(choices=DiscoveryScan.Status.choices)

    class Meta:
        model = DiscoveryScan
        fields = ["platform", "status"]


class DiscoveryScanViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Scans of the platforms' organizations for unmanaged accounts, newest first, with their
    progress; one scan at a time per platform."""

    serializer_class = DiscoveryScanSerializer
    permission_classes = [IsAuthenticated, ScanPermissions]
    filterset_class = DiscoveryScanFilter
    pagination_class = HistoryPages
    queryset = DiscoveryScan.objects.select_related("platform__location", "requested_by")

    @extend_schema(
        description="Queue a scan of the platform's organization (audited). While a scan of "
        "the platform is queued or running, that scan is answered instead (200): a platform "
        "has one scan at a time.",
        responses={
            202: DiscoveryScanSerializer,
            200: OpenApiResponse(DiscoveryScanSerializer, description="the scan in progress"),
        },
    )
    def create(self, request, *args, **kwargs):
        """A new queued scan (202), or the platform's scan in progress (200)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        platform = serializer.validated_data["platform"]
        scan, created = scan_request(platform=platform, actor=request.user)
        answer = self.get_serializer(scan).data
        return Response(answer, status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)
