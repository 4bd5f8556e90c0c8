"""What every REST endpoint shares: permissions by staff role, errors, pagination, filters,
the body size limit and the error responses of the schema."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, models
from django.http import JsonResponse
from django_filters import rest_framework as filters
from django_filters.utils import get_model_field
from rest_framework import parsers, status
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission, DjangoModelPermissions
from rest_framework.response import Response

from .storable import unstorable_text


def lacks_method(request, view) -> bool:
    """Whether a signed-in user asks `view` for a method it does not have: DRF then answers
    405, which every role gets, rather than a 403 that depends on the role."""
    method = request.method.lower()
    has_it = method in view.http_method_names and hasattr(view, method)
    return not has_it and bool(request.user and request.user.is_authenticated)


class RolePermissions(DjangoModelPermissions):
    """Reading needs the model's view permission, writing its add/change/delete permission.

    Operators hold all of them, support staff and auditors only view (accounts/roles.py);
    a request without credentials gets 401, a role that may not gets 403, a method the
    endpoint lacks 405.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view) -> bool:
        return lacks_method(request, view) or super().has_permission(request, view)


class ReadWritePermissions(BasePermission):
    """Reading needs `read`, any other method `write` (permission names, set by a subclass);
    a method the endpoint lacks gives 405 as in RolePermissions."""

    read: str
    write: str

    def has_permission(self, request, view) -> bool:
        if lacks_method(request, view):
            return True
        return request.user.has_perm(self.read if request.method in SAFE_METHODS else self.write)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing text no database stores (NUL, lone surrogates) by path,
    and nesting too deep for Python's decoder."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body nests too deeply") from None
        problem = unstorable_text(data)
        if problem is not None:
            raise ParseError(f"JSON parse error - {problem}")
        return data


def _refuse_unstorable_fields(data, files=None) -> None:
    """Raise a 400 naming the first form field whose text (or file name) no database stores."""
    fields = {key: data.getlist(key) for key in data}
    if files is not None:
        fields.update({key: [upload.name for upload in files.getlist(key)] for key in files})
    fields = {key: values[0] if len(values) == 1 else values for key, values in fields.items()}
    problem = unstorable_text(fields)
    if problem is not None:
        raise ParseError(f"Form parse error - {problem}")


class FormParser(parsers.FormParser):
    """DRF's form parser, refusing text no database stores (NUL, lone surrogates) by field."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse_unstorable_fields(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, refusing text no database stores (NUL, lone surrogates) by field."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_unstorable_fields(parsed.data, parsed.files)
        return parsed


class Pages(PageNumberPagination):
    """`?page=N&page_size=M` (default 50, at most 500)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class HistoryPages(CursorPagination):
    """`?cursor=…&page_size=M` (default 50, at most 500), newest first: a history list's rows
    by `created_at`, the id breaking ties, so that no page skips or repeats a row however many
    rows come in meanwhile (and no page costs an OFFSET)."""

    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    cursor_query_description = "where the page starts: the cursor in a `next` or `previous` link"
    page_size_query_description = "rows per page (default 50, at most 500)"


def _integer_column_range(field: models.Field | None) -> tuple[int, int] | None:
    """The values the database can compare with `field` if it is an integer column, else None."""
    while field is not None and field.is_relation:
        field = field.target_field
    if not isinstance(field, models.IntegerField):  # the auto and foreign key ids too
        return None
    return connection.ops.integer_field_range(field.get_internal_type())


def bound_integer_filters(filterset: filters.FilterSet) -> None:
    """Make every number filter on an integer column take whole numbers within the column's
    range: a larger one would overflow in the database (a 500), a fraction would be truncated.
    Out of range is a 400 naming the parameter, as any invalid filter value."""
    for name, filter_ in filterset.filters.items():
        if not isinstance(filter_, filters.NumberFilter) or isinstance(
            filter_, filters.BaseCSVFilter
        ):
            continue
        bounds = _integer_column_range(get_model_field(filterset._meta.model, filter_.field_name))
        if bounds is None:
            continue
        filter_._field = forms.IntegerField(
            required=False, min_value=bounds[0], max_value=bounds[1], label=filter_.label or name
        )


def bound_filters(
    filterset_class: type[filters.FilterSet], params, queryset: models.QuerySet
) -> filters.FilterSet:
    """A list's FilterSet bound to a page's query, checked as the API checks it (the backend
    below): a page and the API answer the same parameters with the same rows or errors."""
    filterset = filterset_class(params, queryset=queryset)
    bound_integer_filters(filterset)
    return filterset


class FilterBackend(filters.DjangoFilterBackend):
    """django-filter's backend, with integer filters kept within their columns' range."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            bound_integer_filters(filterset)
        return filterset


def _content_length(request) -> int | None:
    """The request's Content-Length, 0 without one, None when it is not a length."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    return length if length >= 0 else None


class ApiBodyLimit:
    """An API request with a body over DATA_UPLOAD_MAX_MEMORY_SIZE is answered with a JSON 413
    that names the limit, before anything reads the body (pages keep Django's 400)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith("/api/"):
            return self.get_response(request)
        length, limit = _content_length(request), settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length is None:
            return JsonResponse({"detail": "the Content-Length header is not a number"}, status=400)
        if limit is not None and length > limit:
            detail = (
                f"the request body has {length} bytes; the limit is {limit} bytes "
                "(DATA_UPLOAD_MAX_MEMORY_SIZE)"
            )
            return JsonResponse({"detail": detail}, status=413)
        return self.get_response(request)


class Conflict(Exception):
    """A request that is valid but cannot be done in the current state (answered 409)."""


def as_api_error(error: DjangoValidationError) -> ValidationError:
    """A service's ValidationError as DRF's, keeping the field names."""
    if hasattr(error, "error_dict"):
        return ValidationError(error.message_dict)
    return ValidationError({"non_field_errors": error.messages})


def handle_exception(exc, context):
    """DRF's handler, plus service errors: ValidationError → 400 by field, Conflict → 409."""
    if isinstance(exc, DjangoValidationError):
        exc = as_api_error(exc)
    if isinstance(exc, Conflict):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    # Imported here: DRF imports this module while rest_framework.views is still loading.
    from rest_framework.views import exception_handler

    return exception_handler(exc, context)


def _error(description: str, body: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": body}}}


_DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
# Every operation may answer these; a 400 lists the refused fields (or parameters) by name.
ERROR_RESPONSES = {
    "400": _error("invalid input, by field or parameter", {"type": "object"}),
    "401": _error("no or an unknown token", _DETAIL),
    "403": _error("the user's role may not do this", _DETAIL),
    "404": _error("no such object, or no such page", _DETAIL),
    "405": _error("the endpoint has no such method", _DETAIL),
    "413": _error("the body is over DATA_UPLOAD_MAX_MEMORY_SIZE", _DETAIL),
}
WRITE_ERROR_RESPONSES = {
    "409": _error("valid, but not possible in the current state", _DETAIL),
    "415": _error("a body that is not JSON, a form or multipart", _DETAIL),
}


def document_error_responses(result: dict, **kwargs) -> dict:
    """drf-spectacular post-processing hook: add the error answers every operation may give."""
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            responses = operation.get("responses", {})
            errors = ERROR_RESPONSES if method == "get" else ERROR_RESPONSES | WRITE_ERROR_RESPONSES
            operation["responses"] = dict(sorted((errors | responses).items()))
    return result
