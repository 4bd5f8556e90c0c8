"""Locations, AWS platform instances, their landing zones and role mappings.

Field names follow the `Aws.dhall` record of the integration page (snake_case here, the
record's camelCase in files and the API; config_io.py maps one to the other). Values are
validated by platforms/patterns.py through config_io.parse_record, never here.
"""

from django.db import models
from django.db.models import Q


class Location(models.Model):
    """A named group of platform instances, e.g. one per AWS organization or region."""

    identifier = models.CharField(max_length=63, unique=True)
    display_name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["identifier"]

    def __str__(self) -> str:
        return self.identifier


class PlatformInstance(models.Model):
    """One AWS Organization that meshaws manages: how to reach it and how to shape accounts."""

    class Provisioning(models.TextChoices):
        MESH = "mesh", "meshaws creates the accounts"
        EXTERNAL = "external", "an external account vending machine creates them"

    class AccessMode(models.TextChoices):
        """How people sign in to the platform's accounts (`access_mode`)."""

        NONE = "none", "no single sign-on"
        SAML = "saml", "a SAML identity provider in every account"
        IDENTITY_CENTER = "identity_center", "IAM Identity Center"

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="platforms")
    identifier = models.CharField(max_length=63, help_text="the record's `platform`")
    display_name = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=32)

    # meshfedServiceUser and privilegedExternalId: ciphertext (platforms.secrets) and the
    # fingerprint shown instead of the value. No keys: web identity or the default chain.
    access_key_ciphertext = models.TextField(blank=True)
    access_key_fingerprint = models.CharField(max_length=32, blank=True)
    secret_key_ciphertext = models.TextField(blank=True)
    secret_key_fingerprint = models.CharField(max_length=32, blank=True)
    # webIdentity: AssumeRoleWithWebIdentity of this role with the token read from the file.
    web_identity_role_arn = models.CharField(max_length=2048, blank=True)
    web_identity_token_file = models.CharField(max_length=4096, blank=True)
    privileged_external_id_ciphertext = models.TextField(blank=True)
    privileged_external_id_fingerprint = models.CharField(max_length=32, blank=True)

    organization_root_account_role = models.CharField(max_length=2048)
    organization_root_account_external_id = models.CharField(max_length=1224, blank=True)
    automation_account_role = models.CharField(max_length=2048)
    automation_account_external_id = models.CharField(max_length=1224, blank=True)

    wait_for_external_avm = models.BooleanField(default=False)
    external_avm_timeout_minutes = models.PositiveIntegerField(default=60)

    provisioning = models.CharField(
        max_length=16, choices=Provisioning.choices, default=Provisioning.MESH
    )
    account_email_template = models.CharField(max_length=64, blank=True)
    external_timeout_minutes = models.PositiveIntegerField(default=60)
    external_customer_tag_key = models.CharField(max_length=128, default="ProductName")
    external_project_tag_key = models.CharField(max_length=128, default="Stage")

    account_access_role = models.CharField(max_length=512, blank=True)
    account_alias_pattern = models.CharField(max_length=200, blank=True)
    enforce_account_alias = models.BooleanField(default=False)
    customer_identifier_length = models.PositiveSmallIntegerField(default=16)
    project_identifier_length = models.PositiveSmallIntegerField(default=30)
    tag_prefix = models.CharField(max_length=64, blank=True)
    identity_provider_name = models.CharField(max_length=128, blank=True)
    identity_provider_metadata = models.TextField(blank=True)
    # identityCenter: set (the instance ARN) instead of identityProvider, never both.
    identity_center_instance_arn = models.CharField(max_length=1224, blank=True, default="")
    identity_center_identity_store_id = models.CharField(max_length=64, blank=True, default="")
    identity_center_region = models.CharField(max_length=32, blank=True, default="")
    # A role in a delegated-administrator account; empty: the organization root role.
    identity_center_role_arn = models.CharField(max_length=2048, blank=True, default="")
    identity_center_external_id = models.CharField(max_length=1224, blank=True, default="")
    identity_center_group_name_pattern = models.CharField(max_length=1024, blank=True, default="")
    identity_center_sign_in_url = models.CharField(max_length=300, blank=True, default="")
    account_creation_concurrency = models.PositiveSmallIntegerField(default=5)
    endpoint_url = models.CharField(max_length=300, blank=True)
    # The console sign-in link shown per account and role; empty: no links.
    console_sign_in_url_template = models.CharField(max_length=2000, blank=True)
    # The AWS organization (o-…) that replication read through DescribeOrganization, and the
    # endpoint and management role it was read through: it is known only while they are
    # still the platform's (see known_organization_id).
    organization_id = models.CharField(max_length=34, blank=True)
    organization_read_from = models.TextField(blank=True)
    # True: an account already in an OU below its landing zone's target stays there.
    allow_hierarchical_ou_assignment = models.BooleanField(default=False)
    # Lifecycle state, not configuration: kept out of the platform record (config_io), so an
    # export and import never deprecates or reactivates a platform.
    deprecated_at = models.DateTimeField(null=True, blank=True)
    deprecated_comment = models.CharField(max_length=255, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["location__identifier", "identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "identifier"],
                name="platform_identifier_unique_in_location",
                violation_error_message="a platform with this identifier exists in the location",
            ),
        ]

    def __str__(self) -> str:
        return self.full_identifier

    @property
    def full_identifier(self) -> str:
        """`<platform>.<location>`, the way projects and the API refer to a platform."""
        return f"{self.identifier}.{self.location.identifier}"

    @property
    def is_deprecated(self) -> bool:
        """A deprecated platform accepts no new accounts; its accounts are still replicated."""
        return self.deprecated_at is not None

    @property
    def access_mode(self) -> str:
        """Identity Center, SAML or none: which of the two sign-in configurations is set."""
        if self.identity_center_instance_arn:
            return self.AccessMode.IDENTITY_CENTER
        if self.identity_provider_name:
            return self.AccessMode.SAML
        return self.AccessMode.NONE

    @property
    def organization_destination(self) -> str:
        """The endpoint and management role: one role at one endpoint is in one organization."""
        return f"{self.endpoint_url}\n{self.organization_root_account_role}"

    @property
    def known_organization_id(self) -> str:
        """The organization id, or "" until read through the current endpoint and role."""
        if self.organization_read_from != self.organization_destination:
            return ""
        return self.organization_id


class LandingZone(models.Model):
    """Where a platform's new accounts go (an OU), and what is bootstrapped into them."""

    platform = models.ForeignKey(
        PlatformInstance, on_delete=models.CASCADE, related_name="landing_zones"
    )
    identifier = models.CharField(max_length=63)
    display_name = models.CharField(max_length=100)
    target_organizational_unit = models.CharField(max_length=70)
    stack_set_name = models.CharField(max_length=128, blank=True)
    stack_set_region = models.CharField(max_length=32, blank=True)
    bootstrap_template = models.TextField(blank=True)
    # True: this zone's own role mappings (possibly none) replace the platform's.
    replaces_role_mappings = models.BooleanField(default=False)
    disabled = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)
    # Retirement: where a retired account goes (empty: it stays), whether it is closed, and
    # whether a request is approved at once (no second operator).
    retired_organizational_unit = models.CharField(max_length=70, blank=True)
    close_account_on_deletion = models.BooleanField(default=False)
    automate_deletion_approval = models.BooleanField(default=False)

    class Meta:
        ordering = ["platform", "position", "identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "identifier"],
                name="landing_zone_identifier_unique_in_platform",
                violation_error_message="a landing zone with this identifier exists",
            ),
        ]

    def __str__(self) -> str:
        return self.identifier


class RoleMapping(models.Model):
    """What a project role gets, on a platform or in one landing zone.

    SAML mode: an IAM role name and its policies. Identity Center mode: permission sets.
    """

    platform = models.ForeignKey(
        PlatformInstance,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_mappings",
    )
    landing_zone = models.ForeignKey(
        LandingZone,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_mappings",
    )
    project_role = models.CharField(max_length=50)
    role_name = models.CharField(max_length=64, blank=True)
    policy_arns = models.JSONField(default=list, blank=True)
    permission_set_arns = models.JSONField(default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "project_role"]
        constraints = [
            models.CheckConstraint(
                condition=Q(platform__isnull=False, landing_zone__isnull=True)
                | Q(platform__isnull=True, landing_zone__isnull=False),
                name="role_mapping_belongs_to_platform_or_landing_zone",
                violation_error_message="a role mapping belongs to a platform or a landing zone",
            ),
            # SAML: a role name (and policies); Identity Center: permission sets, no role name.
            models.CheckConstraint(
                condition=(~Q(role_name="") & Q(permission_set_arns=[]))
                | (Q(role_name="") & ~Q(permission_set_arns=[])),
                name="role_mapping_has_role_name_or_permission_sets",
                violation_error_message="a role mapping has a role name or permission sets",
            ),
            models.UniqueConstraint(
                fields=["platform", "project_role"],
                condition=Q(platform__isnull=False),
                name="role_mapping_unique_per_platform",
                violation_error_message="this project role is mapped twice",
            ),
            models.UniqueConstraint(
                fields=["landing_zone", "project_role"],
                condition=Q(landing_zone__isnull=False),
                name="role_mapping_unique_per_landing_zone",
                violation_error_message="this project role is mapped twice in the landing zone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_role} → {self.role_name or ', '.join(self.permission_set_arns)}"

    @classmethod
    def rows_of(cls, mappings, **owner) -> list["RoleMapping"]:
        """Unsaved rows of `roleMappings` record entries, in their order, for `owner`
        (`platform=` or `landing_zone=`)."""
        return [
            cls(
                **owner,
                project_role=mapping.project_role,
                role_name=mapping.role_name,
                policy_arns=list(mapping.policy_arns),
                permission_set_arns=list(mapping.permission_set_arns),
                position=position,
            )
            for position, mapping in enumerate(mappings)
        ]
