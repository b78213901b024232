"""API errors follow Accept-Language on every endpoint: Japanese when asked, English
otherwise (docs/api-contract.md), never a mixed body or internal words (issue #17).

The walk reads every operation of the OpenAPI schema and drives its error paths in-process:
no credentials (401), a role too low (403), an object that does not exist (404), a body that
is not the documented shape (400). Each message of each body is checked in both languages."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.utils import translation
from rest_framework import exceptions
from rest_framework.test import APIClient

from cs_platform.api.exceptions import json_exception_handler
from cs_platform.middleware import api_language
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
MISSING_ID = 987654321
# Values the walk sends: a message may quote them back.
SENT = {"not-a-number", "maybe", "x", str(MISSING_ID)}


def _messages(body: Any, key: str = "") -> Iterator[str]:
    if isinstance(body, dict):
        for k, v in body.items():
            yield from _messages(v, k)
    elif isinstance(body, list):
        for v in body:
            yield from _messages(v, key)
    elif isinstance(body, str) and key not in {"code", "index", "type"}:
        yield body


def _internal_words() -> set[str]:
    """Model class names: internal words, never shown. In English, a one-word name such as
    `Account` is also plain English, so only names of several words count there."""
    return {m.__name__ for m in apps.get_models() if m.__module__.split(".")[0] != "django"}


def _problems(language: str, body: Any) -> list[str]:
    internal = _internal_words()
    found = []
    for message in _messages(body):
        text = message
        for sent in SENT:
            text = text.replace(sent, "")
        words = set(re.findall(r"[A-Za-z][A-Za-z0-9_]*", text))
        if language == "en" and JAPANESE.search(text):
            found.append(f"Japanese in an English body: {message!r}")
        if language == "ja" and not JAPANESE.search(text):
            found.append(f"English in a Japanese body: {message!r}")
        shown = (
            internal
            if language == "ja"
            else {w for w in internal if len(re.findall("[A-Z]", w)) > 1}
        )
        if words & shown:
            found.append(f"internal word {sorted(words & shown)} in {message!r}")
    return found


def _schema() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _wrong(prop: dict[str, Any]) -> Any:
    kind = prop.get("type")
    if kind in ("integer", "number"):
        return "not-a-number"
    if kind == "boolean":
        return "maybe"
    if kind == "array":
        return "x"
    if kind == "object":
        return "x"
    return {"x": 1}  # a string field given an object


def _body_schema(schema: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    content = (operation.get("requestBody") or {}).get("content") or {}
    ref = (content.get("application/json") or {}).get("schema") or {}
    if "$ref" in ref:
        ref = schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    return ref if ref.get("type") == "object" else {}


def _requests(schema: dict[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    """(who, method, path, body) for every operation's error paths."""
    for path, operations in schema["paths"].items():
        has_params = "{" in path
        filled = re.sub(r"\{[^}]+\}", str(MISSING_ID), path)
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            yield "anonymous", method, filled, None
            if method != "get":
                yield "viewer", method, filled, {}
            if has_params:
                yield "admin", method, filled, None
                continue
            body = _body_schema(schema, operation)
            if body.get("properties"):
                yield "admin", method, filled, {}
                wrong = {
                    k: _wrong(v) for k, v in body["properties"].items() if not v.get("readOnly")
                }
                yield "admin", method, filled, wrong
            if method == "get" and any(
                p.get("name") == "page" for p in operation.get("parameters", [])
            ):
                yield "admin", method, filled + "?page=not-a-number", None


def test_every_endpoints_errors_speak_the_language_asked_for(tenant, admin_user, viewer_user):
    schema = _schema()
    clients = {
        "anonymous": APIClient(),
        "viewer": api_client_for(viewer_user, tenant),
        "admin": api_client_for(admin_user, tenant),
    }
    problems: list[str] = []
    walked = 0
    for who, method, path, body in _requests(schema):
        for language, header in (("ja", "ja-JP,ja;q=0.9,en;q=0.5"), ("en", "")):
            extra = {"HTTP_ACCEPT_LANGUAGE": header} if header else {}
            response = getattr(clients[who], method)(path, body, format="json", **extra)
            if response.status_code < 400 or response.status_code >= 500:
                continue
            walked += 1
            assert response["Content-Language"] == language, (method, path)
            for problem in _problems(language, response.json()):
                problems.append(f"{who} {method.upper()} {path} {response.status_code}: {problem}")
    assert walked > 300
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", "en"),
        ("ja", "ja"),
        ("ja-JP,en;q=0.5", "ja"),
        ("fr-FR, ja;q=0.3", "ja"),
        ("en-GB,ja;q=0.9", "en"),
        ("de", "en"),
    ],
)
def test_the_api_language_is_the_first_one_asked_for_that_junkan_speaks(header, expected):
    assert api_language(header) == expected


def test_the_ui_language_cookie_does_not_change_the_api_language(admin_api):
    admin_api.cookies["django_language"] = "ja"
    response = admin_api.get(f"/api/v1/accounts/{MISSING_ID}/")
    assert response.status_code == 404
    assert response.json()["detail"] == "Not found."
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]


@pytest.mark.parametrize(
    ("exc", "language"),
    [
        (exceptions.Throttled(wait=30), "ja"),
        (exceptions.Throttled(wait=30), "en"),
        (exceptions.Throttled(), "ja"),
        (exceptions.Throttled(), "en"),
    ],
)
def test_throttling_speaks_the_language_asked_for(rf, exc, language):
    from rest_framework.request import Request

    with translation.override(language):
        response = json_exception_handler(exc, {"request": Request(rf.get("/api/v1/me/"))})
    assert response.status_code == 429
    assert not _problems(language, response.data), response.data


# --- The paths the walk cannot reach: no API message is an untranslated literal ---------------

ROOT = Path(__file__).resolve().parents[2]
ERROR_CALLS = {
    "ValidationError",
    "AuthenticationFailed",
    "NotAuthenticated",
    "NotFound",
    "PermissionDenied",
    "ParseError",
    "ErrorDetail",
    "MalformedBatch",
    "_Rejected",
}
MESSAGE_KEYS = {"detail", "error"}


def _api_sources() -> list[Path]:
    files = set(ROOT.glob("*/api/*.py")) | set(ROOT.glob("*/api.py"))
    files |= {ROOT / "cs_platform/errors.py", ROOT / "healthscore/services/ingest.py"}
    return sorted(f for f in files if ".venv" not in f.parts)


def _literal(node: ast.AST) -> bool:
    """An English sentence written in place (a translated one is a call of `_`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[A-Za-z]{2,}.*\s", node.value))
    return isinstance(node, ast.JoinedStr)


def _messages_in(node: ast.AST) -> Iterator[ast.AST]:
    if isinstance(node, ast.Dict):
        for value in node.values:
            yield from _messages_in(value)
    elif isinstance(node, ast.DictComp):
        yield from _messages_in(node.value)
    elif isinstance(node, ast.List | ast.Tuple):
        for item in node.elts:
            yield from _messages_in(item)
    elif _literal(node):
        yield node


def test_no_api_error_message_is_an_untranslated_literal():
    found = []
    for path in _api_sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name not in ERROR_CALLS:
                    continue
                args = node.args[1:] if name == "_Rejected" else node.args
                for arg in args:
                    found += [(path, m.lineno) for m in _messages_in(arg)]
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    named = isinstance(key, ast.Constant) and key.value in MESSAGE_KEYS
                    if named and _literal(value):
                        found.append((path, value.lineno))
    assert not found, "\n".join(f"{p.relative_to(ROOT)}:{line}" for p, line in found)
