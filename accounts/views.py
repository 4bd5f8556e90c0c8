"""Pages for projects, project accounts and replication runs."""

from django.shortcuts import render

from .roles import staff_required


@staff_required
def project_list(request):
    """All projects (none can be created yet)."""
    return render(request, "accounts/project_list.html")


@staff_required
def project_account_list(request):
    """All project accounts (none exist yet)."""
    return render(request, "accounts/projectaccount_list.html")


@staff_required
def replication_run_list(request):
    """The global history of replication runs (none exist yet)."""
    return render(request, "accounts/replicationrun_list.html")
