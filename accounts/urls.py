from django.urls import path

from . import views

urlpatterns = [
    path("projects/", views.project_list, name="project-list"),
    path("accounts/", views.project_account_list, name="project-account-list"),
    path("runs/", views.replication_run_list, name="replication-run-list"),
]
