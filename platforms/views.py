"""Operator pages for AWS platform instances."""

from django.shortcuts import render

from accounts.roles import staff_required


@staff_required
def platform_list(request):
    """All platform instances (none can be configured yet)."""
    return render(request, "platforms/platforminstance_list.html")
