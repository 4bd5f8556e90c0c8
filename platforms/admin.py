from django.contrib import admin

from meshaws_site.admin import ReadOnlyAdmin

from .models import LandingZone, Location, PlatformInstance, RoleMapping

CIPHERTEXTS = (
    "access_key_ciphertext",
    "secret_key_ciphertext",
    "privileged_external_id_ciphertext",
)


@admin.register(Location)
class LocationAdmin(ReadOnlyAdmin):
    list_display = ("identifier", "display_name", "created_at")


@admin.register(PlatformInstance)
class PlatformInstanceAdmin(ReadOnlyAdmin):
    list_display = ("identifier", "location", "region", "provisioning", "updated_at")
    list_filter = ("location", "provisioning")
    exclude = CIPHERTEXTS


@admin.register(LandingZone)
class LandingZoneAdmin(ReadOnlyAdmin):
    list_display = ("identifier", "platform", "target_organizational_unit", "disabled")


@admin.register(RoleMapping)
class RoleMappingAdmin(ReadOnlyAdmin):
    list_display = ("project_role", "role_name", "platform", "landing_zone")
