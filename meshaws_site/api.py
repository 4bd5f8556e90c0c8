"""What every REST endpoint shares: permissions by staff role, errors, pagination."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import parsers, status
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import DjangoModelPermissions
from rest_framework.response import Response

from .storable import unstorable_text


class RolePermissions(DjangoModelPermissions):
    """Reading needs the model's view permission, writing its add/change/delete permission.

    Operators hold all of them, support staff and auditors only view (accounts/roles.py);
    a request without credentials gets 401, a role that may not gets 403.
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


class Pages(PageNumberPagination):
    """`?page=N&page_size=M` (default 50, at most 500)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


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
