"""REST endpoints for customers, projects, bindings and entitlements."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from meshaws_site.api import RolePermissions, lacks_method
from platforms import patterns
from platforms import selectors as platform_selectors
from platforms.models import PlatformInstance

from . import permissions, selectors, services
from .models import Binding, Customer, Project, ProjectRole
from .signin import AccessMode, entitlements_for


@extend_schema_field(OpenApiTypes.STR)
class ProjectReferenceField(serializers.RelatedField):
    """A project written as `<customer>.<project>`."""

    default_error_messages = {"missing": "no project {value!r} (write it as customer.project)"}

    def get_queryset(self):
        return Project.objects.select_related("customer")

    def to_representation(self, project: Project) -> str:
        return project.full_identifier

    def to_internal_value(self, value) -> Project:
        project = selectors.project_by_full_identifier(str(value))
        if project is None:
            self.fail("missing", value=value)
        return project


@extend_schema_field(OpenApiTypes.STR)
class PlatformReferenceField(serializers.RelatedField):
    """A platform written as `<platform>.<location>`."""

    default_error_messages = {"missing": "no platform {value!r} (write it as platform.location)"}

    def get_queryset(self):
        return PlatformInstance.objects.select_related("location")

    def to_representation(self, platform: PlatformInstance) -> str:
        return platform.full_identifier

    def to_internal_value(self, value) -> PlatformInstance:
        platform = platform_selectors.platform_by_full_identifier(str(value))
        if platform is None:
            self.fail("missing", value=value)
        return platform


# A display name is optional (the identifier stands in) and free text a person reads.
DISPLAY_NAME = {"required": False, "validators": [patterns.validate_display_name]}


class CustomerSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api-customer-detail", lookup_field="identifier"
    )

    class Meta:
        model = Customer
        fields = ["url", "identifier", "display_name"]
        extra_kwargs = {"identifier": {"validators": []}, "display_name": DISPLAY_NAME}

    def create(self, data):
        return services.customer_create(
            identifier=data["identifier"], display_name=data.get("display_name", ""),
            actor=self.context["request"].user,
        )  # fmt: skip

    def update(self, customer, data):
        if "identifier" in data and data["identifier"] != customer.identifier:
            raise serializers.ValidationError({"identifier": "an identifier never changes"})
        return services.customer_update(
            customer=customer, display_name=data.get("display_name", customer.display_name),
            actor=self.context["request"].user,
        )  # fmt: skip


class CustomerViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Customers: the owners of projects."""

    serializer_class = CustomerSerializer
    permission_classes = [RolePermissions]
    lookup_field = "identifier"
    queryset = Customer.objects.order_by("identifier")
    filterset_fields = ["identifier"]


class ProjectSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    customer = serializers.SlugRelatedField(
        slug_field="identifier", queryset=Customer.objects.all()
    )
    tags = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)

    class Meta:
        model = Project
        fields = ["url", "customer", "identifier", "display_name", "tags"]
        extra_kwargs = {"identifier": {"validators": []}, "display_name": DISPLAY_NAME}
        validators = []

    def get_url(self, project: Project) -> str:
        return reverse(
            "api-project-detail", kwargs={"full_identifier": project.full_identifier},
            request=self.context.get("request"),
        )  # fmt: skip

    def create(self, data):
        return services.project_create(
            customer=data["customer"], identifier=data["identifier"],
            display_name=data.get("display_name", ""), tags=data.get("tags"),
            actor=self.context["request"].user,
        )  # fmt: skip

    def update(self, project, data):
        for field in ("customer", "identifier"):
            current = project.customer if field == "customer" else project.identifier
            if field in data and data[field] != current:
                raise serializers.ValidationError({field: "a project's identifiers never change"})
        return services.project_update(
            project=project, display_name=data.get("display_name"), tags=data.get("tags"),
            actor=self.context["request"].user,
        )  # fmt: skip


class ProjectFilter(filters.FilterSet):
    customer = filters.CharFilter(
        field_name="customer__identifier", help_text="customer identifier"
    )
    identifier = filters.CharFilter(help_text="project identifier")

    class Meta:
        model = Project
        fields = ["customer", "identifier"]


class FullIdentifierLookup:
    """Detail URLs by `<a>.<b>` identifier instead of the primary key."""

    lookup_field = "full_identifier"
    lookup_value_regex = r"[a-z0-9-]+\.[a-z0-9-]+"
    find = None

    def get_object(self):
        found = type(self).find(self.kwargs["full_identifier"])
        if found is None:
            raise Http404
        self.check_object_permissions(self.request, found)
        return found


class ProjectViewSet(
    FullIdentifierLookup,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Projects of customers, with their tags."""

    serializer_class = ProjectSerializer
    permission_classes = [RolePermissions]
    filterset_class = ProjectFilter
    queryset = Project.objects.select_related("customer").order_by(
        "customer__identifier", "identifier"
    )
    find = staticmethod(selectors.project_by_full_identifier)


class BindingSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-binding-detail")
    project = ProjectReferenceField()
    role = serializers.SlugRelatedField(slug_field="identifier", queryset=ProjectRole.objects.all())

    class Meta:
        model = Binding
        fields = ["url", "project", "user", "role", "expires_at"]
        validators = []

    def create(self, data):
        return services.binding_create(
            project=data["project"], user=data["user"], role=data["role"],
            expires_at=data.get("expires_at"), actor=self.context["request"].user,
        )  # fmt: skip

    def update(self, binding, data):
        for field in ("project", "user"):
            if field in data and data[field] != getattr(binding, field):
                raise serializers.ValidationError(
                    {field: "cannot change; delete the binding and create another"}
                )
        changes = {"expires_at": data["expires_at"]} if "expires_at" in data else {}
        return services.binding_update(
            binding=binding, role=data.get("role"), actor=self.context["request"].user, **changes
        )


class BindingFilter(filters.FilterSet):
    project = filters.CharFilter(method="by_project", help_text="customer.project")
    user = filters.CharFilter()
    role = filters.CharFilter(field_name="role__identifier", help_text="project role identifier")

    class Meta:
        model = Binding
        fields = ["project", "user", "role"]

    def by_project(self, queryset, name, value):
        customer, _, project = value.partition(".")
        return queryset.filter(project__customer__identifier=customer, project__identifier=project)


class BindingViewSet(viewsets.ModelViewSet):
    """Who holds which project role on which project, optionally until when."""

    serializer_class = BindingSerializer
    permission_classes = [RolePermissions]
    filterset_class = BindingFilter
    queryset = Binding.objects.select_related("project__customer", "role").order_by("pk")

    def perform_destroy(self, binding):
        services.binding_delete(binding=binding, actor=self.request.user)


# --- entitlements: what the identity provider puts into a user's SAML assertion ---------------


class CanViewBindings(BasePermission):
    """Operators, support staff and auditors may read who is entitled to what."""

    def has_permission(self, request, view) -> bool:
        if lacks_method(request, view):
            return True
        return bool(request.user and request.user.has_perm(permissions.VIEW_BINDINGS))


class EntitlementSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=[AccessMode.SAML.value, AccessMode.IDENTITY_CENTER.value],
        help_text="saml: assume role_arn through provider_arn (the SAML assertion); "
        "identity_center: member of group_name, which has permission_set_arns in the account",
    )
    project = serializers.CharField(help_text="customer.project")
    platform = serializers.CharField(help_text="platform.location")
    account_id = serializers.CharField(help_text="the 12-digit AWS account id")
    project_role = serializers.CharField(help_text="the project role the binding grants")
    role_arn = serializers.CharField(
        allow_null=True, help_text="saml: the IAM role the user may assume; null otherwise"
    )
    provider_arn = serializers.CharField(
        allow_null=True, help_text="saml: the SAML provider the role trusts; null otherwise"
    )
    group_name = serializers.CharField(
        allow_null=True,
        help_text="identity_center: the Identity Store group the user is a member of; null "
        "otherwise",
    )
    permission_set_arns = serializers.ListField(
        child=serializers.CharField(), allow_null=True,
        help_text="identity_center: the permission sets the group is assigned in the account; "
        "null otherwise",
    )  # fmt: skip
    sign_in_url = serializers.CharField(
        allow_null=True,
        help_text="saml: the console sign-in link (null without the platform's template); "
        "identity_center: the AWS access portal (null without the platform's signInUrl)",
    )


class EntitlementsSerializer(serializers.Serializer):
    user = serializers.CharField()
    entitlements = EntitlementSerializer(many=True)


class EntitlementsView(APIView):
    """A user's entitlements: SAML role + provider ARN pairs, Identity Center permission sets."""

    permission_classes = [IsAuthenticated, CanViewBindings]
    modes = (AccessMode.SAML.value, AccessMode.IDENTITY_CENTER.value)

    @extend_schema(
        description="What the user's bindings give: unexpired bindings only, in live accounts "
        "that have an AWS account id, on platforms with single sign-on. On a platform with a SAML "
        "identity provider (mode saml), the role ARN + SAML provider ARN pairs, for the identity "
        "provider to put into the SAML assertion; on a platform with IAM Identity Center (mode "
        "identity_center), the group and its permission sets in the account. An identity "
        "provider asks for `?mode=saml` to get the pairs alone.",
        parameters=[
            OpenApiParameter(
                "user", str, OpenApiParameter.PATH,
                description="the external user id of the bindings, usually an e-mail",
            ),
            OpenApiParameter(
                "mode", str, OpenApiParameter.QUERY, enum=list(modes),
                description="only the entitlements of platforms in this access mode",
            ),
        ],
        responses={
            200: EntitlementsSerializer,
            400: OpenApiResponse(description="not a user id a binding can have, or not a mode"),
        },
    )  # fmt: skip
    def get(self, request, user: str):
        """The user's entitlements (an unknown user has none)."""
        try:
            patterns.validate_external_user_id(user)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"user": error.messages}) from None
        if "\x00" in user:  # no binding can hold it, and PostgreSQL refuses it in a query
            raise serializers.ValidationError({"user": ["must not contain a NUL character"]})
        mode = request.query_params.get("mode")
        if mode is not None and mode not in self.modes:
            raise serializers.ValidationError({"mode": [f"must be one of {', '.join(self.modes)}"]})
        body = {"user": user, "entitlements": entitlements_for(user, mode=mode)}
        return Response(EntitlementsSerializer(body).data)
