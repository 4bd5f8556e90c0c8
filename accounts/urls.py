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
    path("accounts/", views.project_account_list, name="project-account-list"),
    path("accounts/resync/", views.resync_selected, name="project-account-resync-selected"),
    path("accounts/<int:account>/", views.project_account_detail, name="project-account-detail"),
    path("accounts/<int:account>/live/", views.project_account_live, name="project-account-live"),
    path(
        "accounts/<int:account>/resync/",
        views.project_account_resync,
        name="project-account-resync",
    ),
    path("batches/<uuid:batch>/", views.batch_detail, name="replication-batch-detail"),
    path("batches/<uuid:batch>/progress/", views.batch_progress, name="replication-batch-progress"),
    path(
        "platforms/<slug:location>/<slug:platform>/resync/",
        views.resync_platform,
        name="platform-resync",
    ),
    path("runs/", views.replication_run_list, name="replication-run-list"),
    path("runs/export.csv", views.replication_run_export, name="replication-run-export"),
]
