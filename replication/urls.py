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
    path(
        "accounts/<int:account>/retire/",
        views.project_account_retire,
        name="project-account-retire",
    ),
    path(
        "accounts/<int:account>/retirement/approve/",
        views.retirement_approve,
        name="project-account-retirement-approve",
    ),
    path(
        "accounts/<int:account>/retirement/decline/",
        views.retirement_decline,
        name="project-account-retirement-decline",
    ),
    path(
        "accounts/<int:account>/detach/",
        views.project_account_detach,
        name="project-account-detach",
    ),
    path(
        "accounts/<int:account>/release/",
        views.project_account_release,
        name="project-account-release",
    ),
    path("retirements/", views.retirement_list, name="retirement-list"),
    path("batches/<uuid:batch>/", views.batch_detail, name="replication-batch-detail"),
    path("batches/<uuid:batch>/progress/", views.batch_progress, name="replication-batch-progress"),
    path(
        "batches/<uuid:batch>/retry-failed/",
        views.batch_retry_failed,
        name="replication-batch-retry-failed",
    ),
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
    path(
        "platforms/<slug:location>/<slug:platform>/discover/progress/",
        views.discovery_progress,
        name="platform-discovery-progress",
    ),
    path(
        "platforms/<slug:location>/<slug:platform>/unmanaged/adopt/",
        views.adopt_selected,
        name="platform-adopt-selected",
    ),
    path(
        "platforms/<slug:location>/<slug:platform>/unmanaged/adopt-csv/",
        views.adopt_csv,
        name="platform-adopt-csv",
    ),
    path("runs/", views.replication_run_list, name="replication-run-list"),
    path("runs/export.csv", views.replication_run_export, name="replication-run-export"),
    path("runs/<uuid:run>/retry/", views.replication_run_retry, name="replication-run-retry"),
]
