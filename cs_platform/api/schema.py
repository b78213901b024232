"""The OpenAPI schema: Junkan's authentication classes and the error contract of every operation."""

from __future__ import annotations

import inspect
from functools import cache
from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from cs_platform.validators import no_control_characters, no_control_characters_in_text


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "cs_platform.api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        # One definition: the settings append it for the default `SECURITY` too.
        return dict(
            settings.SPECTACULAR_SETTINGS["APPEND_COMPONENTS"]["securitySchemes"]["ApiKeyAuth"]
        )


class TenantSessionScheme(OpenApiAuthenticationExtension):
    target_class = "cs_platform.api.authentication.TenantSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "Browser session; choose the tenant with the `X-Tenant` header.",
        }


# --- The schema of every operation: error responses and list mechanics ------------------------

ERROR_COMPONENTS = {
    "Error": {
        "type": "object",
        "description": "`detail` says what went wrong; `code` names it.",
        "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
        "required": ["detail"],
    },
    "FieldErrors": {
        "type": "object",
        "description": "Messages by field name (`detail` or `non_field_errors` for the whole "
        "request); each value is a message, a list of messages, or nested errors.",
        "additionalProperties": True,
    },
}
_ERROR = {"$ref": "#/components/schemas/Error"}
_FIELD_ERRORS = {"$ref": "#/components/schemas/FieldErrors"}
_ERROR_RESPONSES = {
    "400": (
        "The request does not match this schema (missing field, wrong type or format, "
        "value out of bounds).",
        _FIELD_ERRORS,
    ),
    "401": ("No credentials, or an invalid or revoked API key.", _ERROR),
    "403": ("Your role or key scope does not allow this operation.", _ERROR),
    "404": ("No such object in your tenant (or no such tenant in `X-Tenant`).", _ERROR),
    "409": (
        "The request matches this schema but the data or a business rule refuses it "
        "(a reference to a missing row, a duplicate, a state that does not allow it).",
        _FIELD_ERRORS,
    ),
    "415": ("The request body is not in a supported media type.", _ERROR),
    "429": (
        "Too many requests for this API key (`API_KEY_THROTTLE_RATE`) or signed-in user "
        "(`API_USER_THROTTLE_RATE`), or for ingestion its own limit; retry after "
        "`Retry-After` seconds.",
        _ERROR,
    ),
}


def _ecma(pattern: str) -> str:
    # As drf-spectacular writes a RegexValidator's pattern into the schema.
    pattern = pattern.encode("ascii", "backslashreplace").decode().replace(r"\x", r"\u00")
    return pattern.replace(r"\Z", "$").replace(r"\A", "^")


@cache
def _calls(function: Any, method_name: str) -> bool:
    # NOTE: extra actions (`@action`) answer what their code builds: a page only when they
    # call paginate_queryset, filtered only when they call filter_queryset. Reading the code
    # keeps the schema right for actions added later, without a flag to forget.
    if function is None:
        return False
    try:
        return f"self.{method_name}(" in inspect.getsource(function)
    except (OSError, TypeError):
        return False


_TEXT_RULES = {
    _ecma(no_control_characters.regex.pattern),
    _ecma(no_control_characters_in_text.regex.pattern),
}


def _decimal_pattern(field: serializers.DecimalField) -> str:
    """drf-spectacular's decimal pattern lets "-", "." and "" through; DRF refuses them.
    At least one digit, and no sign when the field has no negative values."""
    min_value = field.min_value
    sign = "" if min_value is not None and min_value >= 0 else "-?"
    whole, places = field.max_whole_digits, field.decimal_places
    if whole is None:
        return rf"^{sign}(?:\d+(?:\.\d*)?|\.\d+)$"
    fraction = rf"(?:\.\d{{0,{places}}})?" if places else ""
    digits = rf"\d{{1,{whole}}}{fraction}" if whole else "0?"
    tail = rf"|\.\d{{1,{places}}}" if places else ""
    return rf"^{sign}(?:{digits}{tail})$"


class JunkanAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema with Junkan's error contract on every operation.

    Which error applies where (see cs_platform.api.exceptions for 400 vs 409):
    400 where the client sends something (query parameters or a body); 401, 403, 404 and 429
    everywhere (any request can lack credentials, lack the role, name an unknown tenant, or
    exceed a key's rate); 409 for writes; 415 where there is a body.
    Extra actions are documented as paginated and filtered only when their code paginates
    and filters (a viewset's `list` always does).
    """

    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if not isinstance(schema, dict):  # hidden fields have none
            return schema
        if isinstance(field, serializers.DecimalField) and schema.get("format") == "decimal":
            schema["pattern"] = _decimal_pattern(field)
        if (
            isinstance(field, serializers.ListField | serializers.ManyRelatedField)
            and not field.allow_empty
            and schema.get("type") == "array"
        ):
            # DRF refuses an empty list there; say so (drf-spectacular does not).
            schema["minItems"] = max(schema.get("minItems", 0), 1)
        return schema

    def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
        super()._insert_field_validators(field, schema)
        if field.read_only and schema.get("pattern") in _TEXT_RULES:
            # What the server computes is not bound by the rules of what a client may send.
            del schema["pattern"]
        if isinstance(field, serializers.SlugField) and "pattern" in schema:
            # Django's unicode slug pattern (\w) means more to Python than to ECMA regexes;
            # document the ASCII slug every reading of it accepts.
            schema["pattern"] = "^[-a-zA-Z0-9_]+$"
        # drf-spectacular offers "" next to a blank-able string with a pattern as `oneOf`;
        # our patterns (no control characters) match "" too, so "" would match both
        # branches and break `oneOf`. Either branch will do: `anyOf`.
        if "oneOf" in schema and schema["oneOf"][-1] == {"type": "string", "maxLength": 0}:
            schema["anyOf"] = schema.pop("oneOf")

    def _action_calls(self, method_name: str) -> bool:
        """Whether the view's action (a viewset's `list` always does) calls `method_name`."""
        action = getattr(self.view, "action", None)
        if action in (None, "list"):
            return True
        return _calls(getattr(type(self.view), action, None), method_name)

    def _get_paginator(self):  # type: ignore[no-untyped-def]
        if not self._action_calls("paginate_queryset"):
            return None
        return super()._get_paginator()

    def get_filter_backends(self) -> list[Any]:
        if not self._action_calls("filter_queryset"):
            return []
        return super().get_filter_backends()

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        has_body = self.method in ("POST", "PUT", "PATCH")
        has_input = has_body or bool(self._get_parameters())
        codes = ["401", "403", "404", "429"]
        if has_input:
            codes.append("400")
        if self.method != "GET":
            codes.append("409")
        if has_body:
            codes.append("415")
        for code in sorted(codes):
            if code in responses:
                continue
            responses[code] = {"$ref": f"#/components/responses/Error{code}"}
        return responses


def add_error_components(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the error responses the operations refer to."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).update(ERROR_COMPONENTS)
    components.setdefault("responses", {}).update(
        {
            f"Error{code}": {
                "description": description,
                "content": {"application/json": {"schema": schema}},
                **({"headers": _RETRY_AFTER} if code in ("429", "503") else {}),
            }
            for code, (description, schema) in _ERROR_RESPONSES.items()
        }
    )
    return result


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before sending the request again.",
        "schema": {"type": "integer", "minimum": 0},
    }
}
