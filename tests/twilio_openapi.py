"""Twilio's official OpenAPI fragments as a validator for the stand-in Twilio and its callers.

The stand-in (tests/fake_twilio.py) checks every request it gets and every answer it gives
against ``shared/research/twilio-api.openapi.json`` (fragments of twilio/twilio-oai), so that
neither the fake nor the code tested against it can drift from the real API unnoticed: a field
the real API does not send, a parameter it does not take, a status it never answers, a SID of
the wrong shape, all become problems a test sees.

OpenAPI 3.0 is not JSON Schema; :func:`to_json_schema` translates the subset Twilio uses
(``nullable``, ``$ref`` into the same document, Twilio's own formats) and drops the vendor
keywords. Response objects are validated closed (``additionalProperties: false`` where the
schema lists properties): the stand-in must not invent fields a caller could come to rely on.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any

import jsonschema  # type: ignore[import-untyped]

from tests.conftest import REPO

SPEC_PATH = REPO.parent / "shared" / "research" / "twilio-api.openapi.json"
APIS = ("api_v2010", "voice_v1", "accounts_v1", "verify_v2")
METHODS = ("get", "post", "delete", "patch", "put")

# Statuses Twilio may answer on any operation, always with its error body.
ERROR_STATUSES = frozenset({400, 401, 403, 404, 405, 429})
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string"},
        "more_info": {"type": "string", "pattern": r"^https://www\.twilio\.com/docs/errors/\d+$"},
        "status": {"type": "integer"},
    },
    "required": ["code", "message", "more_info", "status"],
    "additionalProperties": False,
}

# Loose shapes for Twilio's formats: enough to catch an ISO date where RFC 2822 belongs.
_FORMATS = {
    "date-time": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$",
    "date-time-rfc-2822": r"^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$",
    "uri": r"^\S+$",
    "iso-country-code": r"^[A-Z]{2}$",
}
# Keywords that mean the same in OpenAPI 3.0 and JSON Schema (draft 2020-12).
_KEEP = (
    "type",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "required",
    "default",
)


def to_json_schema(schema: Any, doc: dict[str, Any], *, closed: bool = False) -> dict[str, Any]:
    """OpenAPI 3.0 ``schema`` (inside ``doc``) as JSON Schema; ``closed``: no unlisted properties."""
    if not isinstance(schema, dict):
        return {}
    if "$ref" in schema:
        ref = schema["$ref"]
        prefix = "#/components/schemas/"
        if not ref.startswith(prefix):
            raise ValueError(f"unsupported $ref {ref}")
        target = doc["components"]["schemas"][ref[len(prefix) :]]
        merged = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        return to_json_schema(merged, doc, closed=closed)
    out: dict[str, Any] = {k: schema[k] for k in _KEEP if k in schema}
    if "properties" in schema:
        out["properties"] = {
            k: to_json_schema(v, doc, closed=closed) for k, v in schema["properties"].items()
        }
        if closed and "additionalProperties" not in schema:
            out["additionalProperties"] = False
    if "items" in schema:
        out["items"] = to_json_schema(schema["items"], doc, closed=closed)
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMATS:
        check = {"pattern": _FORMATS[fmt]}
        out.setdefault("allOf", []).append(check)
    if schema.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else out["type"]
            if "null" not in out["type"]:
                out["type"] = [*out["type"], "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


def _problems(instance: Any, schema: dict[str, Any], where: str) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    out = []
    for e in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        at = "/".join(str(p) for p in e.absolute_path)
        out.append(f"{where}{'/' + at if at else ''}: {e.message}")
    return out


def _coerce(value: str, schema: dict[str, Any]) -> tuple[Any, str | None]:
    """A form or query string as the typed value its schema asks for, or why it is not one."""
    t = schema.get("type")
    types = t if isinstance(t, list) else [t]
    if "integer" in types:
        if re.fullmatch(r"-?\d+", value):
            return int(value), None
        return value, f"{value!r} is not an integer"
    if "number" in types:
        try:
            return float(value), None
        except ValueError:
            return value, f"{value!r} is not a number"
    if "boolean" in types:
        if value in ("true", "false"):
            return value == "true", None
        return value, f"{value!r} is not a boolean (true/false)"
    return value, None


@dataclass
class Op:
    """One documented operation: its API, method, path template and OpenAPI object."""

    api: str
    method: str  # upper case
    template: str
    operation: dict[str, Any]
    doc: dict[str, Any] = field(repr=False)
    regex: re.Pattern[str] = field(repr=False)

    @property
    def operation_id(self) -> str:
        return str(self.operation.get("operationId", ""))

    def path_params(self, path: str) -> dict[str, str]:
        m = self.regex.fullmatch(path)
        return dict(m.groupdict()) if m else {}

    def parameters(self, where: str) -> dict[str, dict[str, Any]]:
        return {p["name"]: p for p in self.operation.get("parameters", []) if p.get("in") == where}

    def form_schema(self) -> dict[str, Any] | None:
        body = self.operation.get("requestBody")
        if not body:
            return None
        content = body.get("content", {}).get("application/x-www-form-urlencoded")
        return to_json_schema(content.get("schema", {}), self.doc) if content else {}

    def response_schema(self, status: int) -> tuple[bool, dict[str, Any] | None]:
        """(documented, JSON Schema of the body or None for an answer without one)."""
        resp = self.operation.get("responses", {}).get(str(status))
        if resp is None:
            return False, None
        content = (resp.get("content") or {}).get("application/json")
        if not content:
            return True, None
        return True, to_json_schema(content.get("schema", {}), self.doc, closed=True)


class Spec:
    """All four APIs' operations, found by method and concrete path."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.ops: list[Op] = []
        for api in APIS:
            doc = raw[api]
            for template, item in doc["paths"].items():
                pattern = re.sub(
                    r"\\\{(\w+)\\\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", re.escape(template)
                )
                for method in METHODS:
                    if method in item:
                        self.ops.append(
                            Op(
                                api,
                                method.upper(),
                                template,
                                item[method],
                                doc,
                                re.compile(pattern),
                            )
                        )

    def path_known(self, path: str) -> bool:
        return any(op.regex.fullmatch(path) for op in self.ops)

    def operation(self, method: str, path: str) -> Op:
        """The operation for ``method`` on ``path`` (no query string); KeyError when undocumented."""
        path = path.split("?", 1)[0]
        found = [o for o in self.ops if o.method == method.upper() and o.regex.fullmatch(path)]
        if not found:
            raise KeyError(f"{method.upper()} {path}: no such operation in Twilio's OpenAPI")
        # The most literal template wins (none overlap today; this keeps it so if one is added).
        return max(found, key=lambda o: len(re.sub(r"\{\w+\}", "", o.template)))

    # -- requests ---------------------------------------------------------------------------------

    def check_request(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        form: dict[str, list[str]],
    ) -> list[str]:
        try:
            op = self.operation(method, path)
        except KeyError as e:
            return [str(e.args[0])]
        where = f"{op.operation_id}"
        problems: list[str] = []
        for name, value in op.path_params(path.split("?", 1)[0]).items():
            param = op.parameters("path").get(name)
            if param is None:
                problems.append(f"{where}: path parameter {name} undocumented")
                continue
            schema = to_json_schema(param.get("schema", {}), op.doc)
            problems += _problems(value, schema, f"{where} path {name}")
        problems += self._check_fields(
            where + " query", query, op.parameters("query"), op.doc, params=True
        )
        form_schema = op.form_schema()
        if form_schema is None:
            if form:
                problems.append(f"{where}: takes no form body, got {sorted(form)}")
        else:
            props = {k: {"schema": v} for k, v in form_schema.get("properties", {}).items()}
            for name in form_schema.get("required", []):
                props[name]["required"] = True
            problems += self._check_fields(where + " form", form, props, op.doc, params=False)
        return problems

    @staticmethod
    def _check_fields(
        where: str,
        given: dict[str, list[str]],
        declared: dict[str, dict[str, Any]],
        doc: dict[str, Any],
        *,
        params: bool,
    ) -> list[str]:
        problems = []
        for name, spec in declared.items():
            if spec.get("required") and name not in given:
                problems.append(f"{where}: required {name} missing")
        for name, values in given.items():
            if name not in declared:
                problems.append(f"{where}: unknown field {name}")
                continue
            raw = declared[name].get("schema", {})
            schema = to_json_schema(raw, doc) if params else raw
            if schema.get("type") == "array":
                item_schema = schema.get("items", {})
                items = values
            else:
                if len(values) != 1:
                    problems.append(f"{where}: {name} given {len(values)} times")
                item_schema, items = schema, values[:1]
            for value in items:
                typed, why = _coerce(value, item_schema)
                if why:
                    problems.append(f"{where} {name}: {why}")
                    continue
                problems += _problems(typed, item_schema, f"{where} {name}")
        return problems

    # -- answers ----------------------------------------------------------------------------------

    def check_response(self, method: str, path: str, status: int, body: object | None) -> list[str]:
        try:
            op = self.operation(method, path)
        except KeyError as e:
            return [str(e.args[0])]
        where = f"{op.operation_id} {status}"
        documented, schema = op.response_schema(status)
        if not documented:
            if status in ERROR_STATUSES or 500 <= status <= 599:
                return check_error(status, body)
            return [f"{where}: status not documented ({sorted(op.operation['responses'])})"]
        if schema is None:
            return [] if body is None else [f"{where}: documented without a body, got one"]
        if body is None:
            return [f"{where}: no body"]
        return _problems(body, schema, where)


def check_error(status: int, body: object | None) -> list[str]:
    """Problems with ``body`` as Twilio's error answer for ``status``."""
    problems = _problems(body, ERROR_SCHEMA, f"error {status}")
    if isinstance(body, dict) and body.get("status") != status:
        problems.append(f"error {status}: body says status {body.get('status')!r}")
    return problems


@functools.cache
def load() -> Spec:
    return Spec(json.loads(SPEC_PATH.read_text(encoding="utf-8")))
