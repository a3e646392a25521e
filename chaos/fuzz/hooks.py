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
