"""Schemathesis hooks for Eventlane: no response may carry a stack trace or a driver's error text."""
import json
import re

import schemathesis

MARKERS = [re.compile(p) for p in (r"\n\s+at ", r"node_modules", r"Mongo[A-Z]\w*Error", r"SQLITE_", r"E11000", r"\.ts:\d+")]


def _request_text(case) -> str:
    """What the client sent: a marker it sent itself (and that is stored and echoed back) is no leak."""
    parts = [case.body, case.query, case.path_parameters]
    return " ".join(json.dumps(p, default=str) if not isinstance(p, str) else p for p in parts if p is not None)


@schemathesis.check
def no_internals(ctx, response, case):
    # A success echoes stored events, and earlier generated requests may have stored any of the
    # markers as data; the leak this guards against is an error answer carrying internals.
    if response.status_code < 400:
        return
    text = response.text or ""
    sent = _request_text(case)
    decoded_sent = sent.encode().decode("unicode_escape", errors="ignore")
    for marker in MARKERS:
        if marker.search(text) and not (marker.search(sent) or marker.search(decoded_sent)):
            raise AssertionError(f"response leaks internals ({marker.pattern}): {text[:200]}")


MAX_JSON_DEPTH = 64  # DEFAULT_LIMITS.maxJsonDepth in packages/contracts/src/limits.ts


def _breaks_unstated_rule(value, depth=0) -> bool:
    """`__proto__` or `constructor.prototype` keys anywhere, or nesting deeper than MAX_JSON_DEPTH."""
    if isinstance(value, dict):
        if depth + 1 > MAX_JSON_DEPTH or "__proto__" in value:
            return True
        constructor = value.get("constructor")
        if isinstance(constructor, dict) and "prototype" in constructor:
            return True
        return any(_breaks_unstated_rule(child, depth + 1) for child in value.values())
    if isinstance(value, list):
        return depth + 1 > MAX_JSON_DEPTH or any(_breaks_unstated_rule(child, depth + 1) for child in value)
    return False


@schemathesis.hook
def filter_body(ctx, body):
    """Appends are refused on purpose by rules JSON Schema cannot state (prototype-poisoning keys, one
    eventId twice in a request, nesting depth); each has its own integration test. Without this the
    fuzzing phase reports such bodies as schema-valid requests that were refused (the per-operation
    exception in schemathesis.toml covers the other phases only)."""
    operation = getattr(ctx, "operation", None)
    if operation is None or operation.method.upper() != "POST" or not operation.path.endswith("/streams/{streamId}"):
        return True
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        return True
    ids = [e["eventId"] for e in body["events"] if isinstance(e, dict) and isinstance(e.get("eventId"), str)]
    if len(ids) != len(set(ids)):
        return False
    return not _breaks_unstated_rule(body)
