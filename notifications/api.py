"""REST endpoints: a platform's notification contacts (`/api/v1/notification-contacts/`) and
what was sent to them (`/api/v1/notification-deliveries/`, read-only)."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.api import PlatformReferenceField
from meshaws_site.api import HistoryPages, ReadWritePermissions

from . import services
from .models import Event, NotificationContact, NotificationDelivery
from .permissions import MANAGE_CONTACTS, VIEW_CONTACTS


class ContactPermissions(ReadWritePermissions):
    """Reading needs the platform's view permission, changing its change permission."""

    read, write = VIEW_CONTACTS, MANAGE_CONTACTS


class ContactSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-notificationcontact-detail")
    platform = PlatformReferenceField(help_text="platform.location; a contact never moves")
    kind = serializers.ChoiceField(
        choices=NotificationContact.Kind.choices, help_text="never changes once created"
    )
    address = serializers.CharField(
        help_text="an e-mail address, or a webhook's http(s) URL; read back to roles that may "
        "not change contacts as its scheme and host only"
    )
    events = serializers.ListField(
        child=serializers.CharField(), required=False,
        help_text="any of " + ", ".join(services.CHOOSABLE_EVENTS),
    )  # fmt: skip
    daily_digest = serializers.BooleanField(required=False)
    secret = serializers.CharField(
        write_only=True, required=False, allow_blank=True, trim_whitespace=False,
        help_text="webhooks: the key of X-Meshaws-Signature (sha256=HMAC-SHA256 of the body), "
        "16-256 characters; write-only, read back as `secret_fingerprint`; left out on update = "
        "kept, unless the address changes",
    )  # fmt: skip

    class Meta:
        model = NotificationContact
        fields = [
            "url", "id", "platform", "kind", "address", "events", "daily_digest", "secret",
            "secret_fingerprint", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["secret_fingerprint", "created_at", "updated_at"]
        validators = []

    def to_representation(self, contact):
        shown = super().to_representation(contact)
        request = self.context.get("request")
        if request is None or not request.user.has_perm(MANAGE_CONTACTS):
            shown["address"] = contact.shown_address
        return shown

    def create(self, data):
        return services.contact_create(
            platform=data["platform"], kind=data["kind"], address=data["address"],
            events=data.get("events", []), daily_digest=data.get("daily_digest", False),
            secret=data.get("secret"), actor=self.context["request"].user,
        )  # fmt: skip

    def update(self, contact, data):
        if "platform" in data and data["platform"] != contact.platform:
            raise serializers.ValidationError({"platform": "a contact never moves to another"})
        return services.contact_update(
            contact=contact, kind=data.get("kind"), address=data.get("address"),
            events=data.get("events"), daily_digest=data.get("daily_digest"),
            secret=data.get("secret"), actor=self.context["request"].user,
        )  # fmt: skip


class DeliverySerializer(serializers.ModelSerializer):
    platform = PlatformReferenceField(read_only=True)
    contact = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = NotificationDelivery
        fields = [
            "id", "platform", "contact", "recipient", "event", "subject", "status", "attempts",
            "last_error", "created_at", "updated_at", "sent_at",
        ]  # fmt: skip
        read_only_fields = fields


class PlatformFilter(filters.FilterSet):
    platform = filters.CharFilter(method="by_platform", help_text="platform.location")

    def by_platform(self, queryset, name, value):
        platform, _, location = value.partition(".")
        return queryset.filter(
            platform__identifier=platform, platform__location__identifier=location
        )


class ContactFilter(PlatformFilter):
    class Meta:
        model = NotificationContact
        fields = ["platform", "kind"]


class ContactViewSet(viewsets.ModelViewSet):
    """Who a platform tells about failures: e-mail addresses and signed webhooks."""

    serializer_class = ContactSerializer
    permission_classes = [IsAuthenticated, ContactPermissions]
    filterset_class = ContactFilter
    queryset = NotificationContact.objects.select_related("platform__location").order_by("pk")

    def perform_destroy(self, contact):
        services.contact_delete(contact=contact, actor=self.request.user)

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Send the contact a test message, whatever events it chose: 202 with the delivery,
        whose status (`/api/v1/notification-deliveries/`) shows whether it arrived."""
        delivery = services.contact_test(contact=self.get_object(), actor=request.user)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class DeliveryFilter(PlatformFilter):
    event = filters.ChoiceFilter(choices=Event.choices)
    status = filters.ChoiceFilter(choices=NotificationDelivery.Status.choices)

    class Meta:
        model = NotificationDelivery
        fields = ["platform", "event", "status"]


class DeliveryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """What was sent to a platform's contacts, newest first; history nobody changes."""

    serializer_class = DeliverySerializer
    permission_classes = [IsAuthenticated, ContactPermissions]
    filterset_class = DeliveryFilter
    pagination_class = HistoryPages
    queryset = NotificationDelivery.objects.select_related("platform__location")
