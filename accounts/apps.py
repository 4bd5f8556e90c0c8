from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Projects and accounts"

    def ready(self) -> None:
        from .roles import ensure_default_project_roles, grant_role_permissions

        # Sent with this app as sender, after every earlier app's permissions were created.
        post_migrate.connect(
            grant_role_permissions, sender=self, dispatch_uid="meshaws-grant-role-permissions"
        )
        # Also after a flush (which sends post_migrate): the default roles always exist.
        post_migrate.connect(
            ensure_default_project_roles, sender=self, dispatch_uid="meshaws-project-roles"
        )
