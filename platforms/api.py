"""REST endpoints for locations and platforms (`/api/v1/locations/`, `/api/v1/platforms/`)."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse

from meshaws_site.api import Conflict, RolePermissions, lacks_method

from . import config_io, patterns, selectors, services
from .models import Location, PlatformInstance
from .permissions import CHANGE_PLATFORM


class LocationSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api-location-detail", lookup_field="identifier"
    )

    class Meta:
        model = Location
        fields = ["url", "identifier", "display_name"]
        extra_kwargs = {
            "identifier": {"validators": []},
            "display_name": {"required": False, "validators": [patterns.validate_display_name]},
        }


class LocationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Locations: named groups of platforms."""

    serializer_class = LocationSerializer
    permission_classes = [RolePermissions]
    lookup_field = "identifier"
    queryset = Location.objects.order_by("identifier")
    filterset_fields = ["identifier"]

    def perform_create(self, serializer):
        serializer.instance = services.location_create(
            identifier=serializer.validated_data["identifier"],
            display_name=serializer.validated_data.get("display_name", ""),
            actor=self.request.user,
        )


@extend_schema_field(config_io.PlatformConfig)
class RecordField(serializers.JSONField):
    """The platform record, keys as in platform files; secrets read back as fingerprints.

    Written as given: config_io.parse_record judges it in validate(), with the stored record.
    """

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, platform: PlatformInstance):
        return config_io.record_of(platform).as_dict()

    def to_internal_value(self, data):
        return {"config": super().to_internal_value(data)}


class PlatformSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    location = serializers.SlugRelatedField(
        slug_field="identifier", queryset=Location.objects.all()
    )
    identifier = serializers.CharField(read_only=True)
    config = RecordField(
        help_text="the Aws.dhall record (see platform-example.json); secrets are write-only: "
        'literal values, read back as {"fingerprint": "hmac-sha256:…"}; left out on update = '
        "kept, except when endpointUrl, region, organizationRootAccountRole, accountAccessRole "
        "or webIdentity.roleArn changes: then the secrets sent there must be given again. "
        "meshfedServiceUser null: keyless, with webIdentity {roleArn, tokenFile} or the "
        "default credential chain"
    )

    class Meta:
        model = PlatformInstance
        fields = [
            "url", "identifier", "location", "display_name", "deprecated_at",
            "deprecated_comment", "config",
        ]  # fmt: skip
        read_only_fields = ["deprecated_at", "deprecated_comment"]
        extra_kwargs = {
            "display_name": {"validators": [patterns.validate_display_name]},
            "deprecated_at": {
                "help_text": "null: the platform accepts new accounts; otherwise when it was "
                "deprecated (POST …/deprecate/, …/reactivate/): it accepts no new accounts, and "
                "its accounts are still replicated. Lifecycle state, not part of `config`"
            },
            "deprecated_comment": {"help_text": "the comment given when it was deprecated"},
        }

    def get_url(self, platform: PlatformInstance) -> str:
        return reverse(
            "api-platform-detail",
            kwargs={"full_identifier": platform.full_identifier},
            request=self.context.get("request"),
        )

    def validate(self, attrs):
        stored = config_io.record_of(self.instance) if self.instance else None
        location = attrs.get("location") or (self.instance.location if self.instance else None)
        if self.instance is not None and location != self.instance.location:
            raise serializers.ValidationError({"location": "a platform cannot move"})
        if "config" not in attrs:
            if self.instance is None:
                raise serializers.ValidationError({"config": "is required"})
            attrs["record"] = stored
            return attrs
        try:
            # env:NAME is refused here: the server's environment is not the caller's to read.
            record = config_io.parse_record(attrs["config"], stored=stored, environ=None)
        except config_io.RecordInvalid as invalid:
            raise serializers.ValidationError({"config": invalid.errors}) from None
        if self.instance is not None and record.platform != self.instance.identifier:
            raise serializers.ValidationError(
                {"config": {"platform": ["a platform's identifier cannot change"]}}
            )
        if self.instance is None and location.platforms.filter(identifier=record.platform).exists():
            raise serializers.ValidationError(
                {"config": {"platform": [f"{record.platform}.{location} already exists"]}}
            )
        attrs["record"] = record
        return attrs

    def save(self, **kwargs):
        data = self.validated_data
        location = data.get("location") or self.instance.location
        try:
            applied = services.platform_apply(
                location=location,
                record=data["record"],
                actor=self.context["request"].user,
                display_name=data.get("display_name"),
            )
        except services.PlatformInUse as error:
            raise Conflict(str(error)) from None
        except config_io.RecordInvalid as invalid:  # the platform changed since validate()
            raise serializers.ValidationError({"config": invalid.errors}) from None
        self.instance = selectors.platforms_with_configuration().get(pk=applied.platform.pk)
        return self.instance


class LifecycleComment(serializers.Serializer):
    """The body of a deprecation or reactivation: an optional comment."""

    comment = serializers.CharField(
        max_length=services.COMMENT_MAX_LENGTH, required=False, allow_blank=True, default="",
        help_text="why; kept in the audit event",
    )  # fmt: skip


class ChangesPlatforms(BasePermission):
    """Operators only: the platform change permission (support and auditors get 403)."""

    def has_permission(self, request, view) -> bool:
        return lacks_method(request, view) or bool(
            request.user and request.user.has_perm(CHANGE_PLATFORM)
        )


LIFECYCLE_CONFLICT = (
    " 409 when the platform is already in that state (nothing changes, no audit event)."
)


class PlatformFilter(filters.FilterSet):
    location = filters.CharFilter(
        field_name="location__identifier", help_text="location identifier"
    )
    identifier = filters.CharFilter(help_text="platform identifier")

    class Meta:
        model = PlatformInstance
        fields = ["location", "identifier"]


class PlatformViewSet(viewsets.ModelViewSet):
    """AWS platform instances with their whole configuration (`config`)."""

    serializer_class = PlatformSerializer
    permission_classes = [RolePermissions]
    lookup_field = "full_identifier"
    lookup_value_regex = r"[a-z0-9-]+\.[a-z0-9-]+"
    filterset_class = PlatformFilter

    def get_queryset(self):
        return selectors.platforms_with_configuration().order_by(
            "location__identifier", "identifier"
        )

    def get_object(self):
        platform = selectors.platform_by_full_identifier(self.kwargs["full_identifier"])
        if platform is None:
            raise Http404
        self.check_object_permissions(self.request, platform)
        return platform

    def _lifecycle(self, request, service):
        """Call the deprecate or reactivate service; the platform as it is now, or 409."""
        platform = self.get_object()
        given = LifecycleComment(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            platform = service(
                platform=platform,
                actor=request.user,
                comment=given.validated_data["comment"],
            )
        except services.PlatformAlreadyInState as error:
            raise Conflict(str(error)) from None
        platform = selectors.platforms_with_configuration().get(pk=platform.pk)
        return Response(self.get_serializer(platform).data)

    @extend_schema(
        request=LifecycleComment,
        responses={200: PlatformSerializer},
        description="Deprecate the platform: it accepts no new accounts (creating or adopting "
        "one answers 400 on `platform`); its accounts are still replicated. Audited with the "
        "comment." + LIFECYCLE_CONFLICT,
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, ChangesPlatforms])
    def deprecate(self, request, full_identifier=None):
        """Deprecate the platform."""
        return self._lifecycle(request, services.platform_deprecate)

    @extend_schema(
        request=LifecycleComment,
        responses={200: PlatformSerializer},
        description="Reactivate a deprecated platform: it accepts new accounts again. Audited "
        "with the comment." + LIFECYCLE_CONFLICT,
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, ChangesPlatforms])
    def reactivate(self, request, full_identifier=None):
        """Reactivate the platform."""
        return self._lifecycle(request, services.platform_reactivate)

    @transaction.atomic
    def perform_destroy(self, platform):
        try:
            services.platform_delete(platform=platform, actor=self.request.user)
        except services.PlatformInUse as error:
            raise Conflict(str(error)) from None
