from django.urls import path

from . import views

urlpatterns = [
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
    path(
        "platforms/<slug:location>/<slug:platform>/unmanaged/",
        views.unmanaged_account_list,
        name="platform-unmanaged-accounts",
    ),
    path(
        "platforms/<slug:location>/<slug:platform>/discover/",
        views.discover_platform,
        name="platform-discover",
    ),
    path("runs/", views.replication_run_list, name="replication-run-list"),
    path("runs/export.csv", views.replication_run_export, name="replication-run-export"),
]
