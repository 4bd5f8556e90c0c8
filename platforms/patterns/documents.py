"""Documents given in configuration: CloudFormation templates and SAML metadata."""

from __future__ import annotations

import re
from typing import Any

import yaml
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as defused_element_tree
from django.core.exceptions import ValidationError

from ._messages import _describe

# --- documents: CloudFormation templates and SAML metadata ---------------------------------

# AWS's limits: a template body in a request, and SAMLMetadataDocument (1,000-10,000,000).
MAX_TEMPLATE_BODY = 51_200
MIN_SAML_METADATA, MAX_SAML_METADATA = 1_000, 10_000_000


# Lone surrogates (JSON's "\ud800" escape makes them) have no UTF-8: no parser takes them.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_encodable(document: str) -> None:
    found = _SURROGATE.search(document)
    if found is not None:
        raise ValidationError(
            f"contains {_describe(found[0])}, which is not a Unicode character",
            code="invalid_unicode",
        )


class _CloudFormationLoader(yaml.SafeLoader):
    """YAML loader that accepts CloudFormation's short-form tags (!Ref, !Sub, !GetAtt …)."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node, deep=True)}
    return {suffix: loader.construct_mapping(node, deep=True)}


_CloudFormationLoader.add_multi_constructor("!", _any_tag)


def validate_cloudformation_template(template: str) -> None:
    """A CloudFormation template in YAML or JSON with a non-empty `Resources` mapping."""
    _check_encodable(template)
    if len(template.encode()) > MAX_TEMPLATE_BODY:
        raise ValidationError(
            f"is {len(template.encode())} bytes; CloudFormation accepts at most "
            f"{MAX_TEMPLATE_BODY} in a request",
            code="template_too_long",
        )
    try:
        document = yaml.load(template, Loader=_CloudFormationLoader)  # noqa: S506 - safe subclass
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        at = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        raise ValidationError(
            f"is not valid YAML or JSON{at}: {getattr(error, 'problem', None) or error}",
            code="template_syntax",
        ) from None
    except RecursionError:  # PyYAML composes nested collections recursively
        raise ValidationError("nests too deeply to be a template", code="template_syntax") from None
    if not isinstance(document, dict):
        raise ValidationError("must be a CloudFormation template (a mapping)", code="template")
    resources = document.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise ValidationError(
            "has no Resources: a CloudFormation template needs at least one resource",
            code="template_resources",
        )
    for name, resource in resources.items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise ValidationError(
                f"resource {name!r} has no Type (e.g. AWS::IAM::Role)", code="template_resource"
            )


def validate_saml_metadata(document: str) -> None:
    """SAML 2.0 metadata: well-formed XML whose root is an EntityDescriptor, AWS's size range."""
    _check_encodable(document)
    if not MIN_SAML_METADATA <= len(document) <= MAX_SAML_METADATA:
        raise ValidationError(
            f"has {len(document)} characters; AWS accepts SAML metadata of "
            f"{MIN_SAML_METADATA} to {MAX_SAML_METADATA}",
            code="saml_metadata_length",
        )
    try:
        root = defused_element_tree.fromstring(document)
    except (defused_element_tree.ParseError, DefusedXmlException) as error:
        raise ValidationError(
            f"is not well-formed XML: {error}", code="saml_metadata_syntax"
        ) from None
    if not root.tag.endswith("EntityDescriptor"):
        raise ValidationError(
            "must be SAML metadata: its root element is not an EntityDescriptor",
            code="saml_metadata_root",
        )


def cloudformation_parameters(template: str) -> frozenset[str]:
    """The names of the parameters a (valid) CloudFormation template declares."""
    document = yaml.load(template, Loader=_CloudFormationLoader)  # noqa: S506 - safe subclass
    parameters = document.get("Parameters") if isinstance(document, dict) else None
    return frozenset(parameters) if isinstance(parameters, dict) else frozenset()
