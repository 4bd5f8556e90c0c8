"""Pages for customers, projects, bindings and project accounts."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions as account_permissions
from accounts import selectors, services
from accounts.forms import (
    BindingEditForm,
    BindingForm,
    CustomerForm,
    EnableForm,
    ProjectEditForm,
    ProjectForm,
    add_service_errors,
)
from accounts.models import Binding, Customer, Project

PAGE_SIZE = 50


def _project_or_404(customer: str, project: str) -> Project:
    found = selectors.project_by_full_identifier(f"{customer}.{project}")
    if found is None:
        raise Http404(f"no project {customer}.{project}")
    return found


@permission_required(account_permissions.VIEW_CUSTOMERS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def customer_list(request):
    """Every customer with its number of projects, and (operators) a form to add one."""
    form = CustomerForm(request.POST or None)
    # Where to go back to once the customer exists (the new-project form links here).
    back_to = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    if request.method == "POST":
        if not request.user.has_perm(account_permissions.ADD_CUSTOMER):
            raise PermissionDenied
        if form.is_valid():
            try:
                customer = services.customer_create(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Customer {customer.identifier} created.")
                if back_to:
                    return redirect(_with_query(back_to, customer=customer.identifier))
                return redirect("customer-detail", customer=customer.identifier)
    return render(
        request, "accounts/customer_list.html",
        {"customers": selectors.customer_list(), "form": form, "next": back_to},
        status=400 if form.errors else 200,
    )  # fmt: skip


def _safe_next(request, url: str) -> str:
    """`url` if it leads back into this site, else "" (never an open redirect)."""
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and allowed and "\x00" not in url else ""


def _with_query(url: str, **params: str) -> str:
    """`url` with `params` set in its query string."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | params
    return urlunsplit(parts._replace(query=urlencode(query)))


@permission_required(account_permissions.VIEW_CUSTOMERS, raise_exception=True)
def customer_detail(request, customer: str):
    """One customer and its projects."""
    found = get_object_or_404(Customer, identifier=customer)
    return render(
        request, "accounts/customer_detail.html",
        {"customer": found, "projects": selectors.project_list(customer=customer)},
    )  # fmt: skip


@permission_required(account_permissions.VIEW_PROJECTS, raise_exception=True)
def project_list(request):
    """Projects, filtered by customer and searched by text."""
    customer, search = request.GET.get("customer", ""), request.GET.get("q", "").strip()
    projects = selectors.project_list(customer=customer, search=search)
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "accounts/project_list.html",
        {"page": page, "customers": Customer.objects.order_by("identifier"),
         "customer": customer, "q": search},
    )  # fmt: skip


@permission_required(account_permissions.ADD_PROJECT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def project_create(request):
    """Create a project for a customer."""
    form = ProjectForm(request.POST or None, initial={"customer": request.GET.get("customer")})
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Project {project.full_identifier} created.")
            return redirect(
                "project-detail", customer=project.customer.identifier, project=project.identifier
            )
    return render(
        request, "accounts/project_form.html", {"form": form}, status=400 if form.errors else 200
    )


@permission_required(account_permissions.VIEW_PROJECTS, raise_exception=True)
def project_detail(request, customer: str, project: str):
    """One project: its bindings, its accounts, and (operators) the editors for them."""
    found = _project_or_404(customer, project)
    return _project_page(request, found)


def _project_page(request, project: Project, *, binding_form=None, enable_form=None, status=200):
    bindings = selectors.project_bindings(project)
    edit_forms = [
        (binding, BindingEditForm(initial={"role": binding.role.identifier,
                                           "expires_at": binding.expires_at},
                                  prefix=f"b{binding.pk}"))
        for binding in bindings
    ]  # fmt: skip
    return render(
        request,
        "accounts/project_detail.html",
        {
            "project": project,
            "bindings": edit_forms,
            "accounts": selectors.project_accounts().filter(project=project),
            "binding_form": binding_form or BindingForm(),
            "enable_form": enable_form or EnableForm(),
            "edit_form": ProjectEditForm(
                initial={"display_name": project.display_name, "tags": project.tags}
            ),
        },
        status=status,
    )


@permission_required(account_permissions.CHANGE_PROJECT, raise_exception=True)
@require_POST
def project_edit(request, customer: str, project: str):
    """Change a project's display name and tags."""
    found = _project_or_404(customer, project)
    form = ProjectEditForm(request.POST)
    if form.is_valid():
        try:
            services.project_update(project=found, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
    else:
        messages.success(request, "Project saved.")
    return redirect("project-detail", customer=customer, project=project)


@permission_required(account_permissions.ADD_BINDING, raise_exception=True)
@require_POST
def binding_add(request, customer: str, project: str):
    """Bind a user to the project."""
    found = _project_or_404(customer, project)
    form = BindingForm(request.POST)
    if form.is_valid():
        try:
            binding = services.binding_create(
                project=found, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{binding.user} is now {binding.role} of the project.")
            return redirect("project-detail", customer=customer, project=project)
    return _project_page(request, found, binding_form=form, status=400)


@permission_required(account_permissions.CHANGE_BINDING, raise_exception=True)
@require_POST
def binding_edit(request, binding: int):
    """Change a binding's role or expiry."""
    found = get_object_or_404(Binding.objects.select_related("project__customer"), pk=binding)
    form = BindingEditForm(request.POST, prefix=f"b{found.pk}")
    if form.is_valid():
        try:
            services.binding_update(binding=found, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
    for field, errors in form.errors.items():
        messages.error(request, f"{found.user}, {field}: {' '.join(errors)}")
    if not form.errors:
        messages.success(request, f"Binding of {found.user} saved.")
    project = found.project
    return redirect(
        "project-detail", customer=project.customer.identifier, project=project.identifier
    )


@permission_required(account_permissions.DELETE_BINDING, raise_exception=True)
@require_POST
def binding_remove(request, binding: int):
    """Remove a user from the project."""
    found = get_object_or_404(Binding.objects.select_related("project__customer"), pk=binding)
    project = found.project
    services.binding_delete(binding=found, actor=request.user)
    messages.success(request, f"{found.user} removed from {project.full_identifier}.")
    return redirect(
        "project-detail", customer=project.customer.identifier, project=project.identifier
    )


@permission_required(account_permissions.ADD_PROJECT_ACCOUNT, raise_exception=True)
@require_POST
def project_enable(request, customer: str, project: str):
    """Enable the project on a platform: its AWS account there is created (or adopted)."""
    found = _project_or_404(customer, project)
    form = EnableForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            account = services.project_account_create(
                project=found, platform=data["platform"],
                landing_zone=data["landing_zone"] or None,
                aws_account_id=data["aws_account_id"] or None, actor=request.user,
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"{found.full_identifier} enabled on {account.platform.full_identifier}."
            )
            return redirect("project-detail", customer=customer, project=project)
    return _project_page(request, found, enable_form=form, status=400)
