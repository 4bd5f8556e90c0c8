from django.urls import path

from . import views
from .views import staff

urlpatterns = [
    path("customers/", views.customer_list, name="customer-list"),
    path("customers/<slug:customer>/", views.customer_detail, name="customer-detail"),
    path("projects/", views.project_list, name="project-list"),
    path("projects/new/", views.project_create, name="project-create"),
    path("projects/enable/", views.projects_enable_page, name="projects-enable"),
    path("projects/<slug:customer>/<slug:project>/", views.project_detail, name="project-detail"),
    path("projects/<slug:customer>/<slug:project>/edit/", views.project_edit, name="project-edit"),
    path(
        "projects/<slug:customer>/<slug:project>/bindings/",
        views.binding_add,
        name="binding-add",
    ),
    path(
        "projects/<slug:customer>/<slug:project>/enable/",
        views.project_enable,
        name="project-enable",
    ),
    path("bindings/<int:binding>/", views.binding_edit, name="binding-edit"),
    path("bindings/<int:binding>/remove/", views.binding_remove, name="binding-remove"),
    path("staff/", staff.staff_list, name="staff-list"),
    path("staff/new/", staff.staff_create, name="staff-create"),
    path("staff/<int:staff_user>/", staff.staff_detail, name="staff-detail"),
    path("staff/<int:staff_user>/role/", staff.staff_role_change, name="staff-role"),
    path("staff/<int:staff_user>/password/", staff.staff_password, name="staff-password"),
    path("staff/<int:staff_user>/deactivate/", staff.staff_deactivate, name="staff-deactivate"),
    path("staff/<int:staff_user>/reactivate/", staff.staff_reactivate, name="staff-reactivate"),
    path("staff/<int:staff_user>/token/", staff.staff_token, name="staff-token"),
    path(
        "staff/<int:staff_user>/token/revoke/", staff.staff_token_revoke, name="staff-token-revoke"
    ),
    # path, not str: a user id may hold a slash (an e-mail's local part may) and must reverse.
    path("users/<path:user>/", views.user_detail, name="user-detail"),
]
