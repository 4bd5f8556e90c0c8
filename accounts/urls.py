from django.urls import path

from . import views

urlpatterns = [
    path("customers/", views.customer_list, name="customer-list"),
    path("customers/<slug:customer>/", views.customer_detail, name="customer-detail"),
    path("projects/", views.project_list, name="project-list"),
    path("projects/new/", views.project_create, name="project-create"),
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
    # path, not str: a user id may hold a slash (an e-mail's local part may) and must reverse.
    path("users/<path:user>/", views.user_detail, name="user-detail"),
]
