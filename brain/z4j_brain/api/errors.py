"""Every error leaves as ``{"error", "message", "request_id"}`` with a stable code.

Never a traceback: internals stay in the log, keyed by the request id.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import Message, Scope

from z4j_brain.wire.errors import ErrorBody

log = logging.getLogger("z4j.api")

_CODES = {
    400: "invalid_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "unavailable",
}


def ensure_request_id(scope: Scope) -> str:
    """This request's id: a sane incoming ``X-Request-ID`` is kept, else a new ``req_<hex>``.

    Stored in the scope on first use, so the error body and the response header agree even
    for requests that never reach a route (404, 405).
    """
    state: dict[str, Any] = scope.setdefault("state", {})  # type: ignore[assignment]
    rid = state.get("z4j_request_id")
    if rid is None:
        incoming = next(
            (v for k, v in scope.get("headers", []) if k.lower() == b"x-request-id"), b""
        )
        text = incoming.decode("latin-1")
        rid = text if 0 < len(text) <= 64 and text.isprintable() else f"req_{secrets.token_hex(8)}"
        state["z4j_request_id"] = rid
    return str(rid)


def request_id(request: Request[Any, Any, Any]) -> str:
    """The id of this request (see ``ensure_request_id``)."""
    return ensure_request_id(request.scope)


def _envelope(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    message: str,
    details: dict[str, object] | None = None,
) -> Response[ErrorBody]:
    body = ErrorBody(
        error=code, message=message, request_id=request_id(request), details=details or {}
    )
    return Response(body, status_code=status)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[ErrorBody]:
    """Map framework HTTP errors (404, 405, ...) onto the envelope."""
    status = exc.status_code
    code = _CODES.get(status, "error" if status < 500 else "internal_error")
    if isinstance(exc, ValidationException):
        extra: Any = exc.extra
        return _envelope(request, 400, "invalid_request", exc.detail, {"errors": extra or []})
    return _envelope(request, status, code, exc.detail)


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    """A bug: log it with the request id, answer without internals."""
    rid = request_id(request)
    log.exception(
        "unhandled error in %s %s (request_id=%s)",
        request.method,
        request.url.path,
        rid,
        exc_info=exc,
    )
    return _envelope(
        request, 500, "internal_error", "internal error; quote the request_id when reporting it"
    )


async def add_request_id_header(message: Message, scope: Scope) -> None:
    """``before_send`` hook: every HTTP response carries ``X-Request-ID``."""
    if message["type"] == "http.response.start":
        headers = list(message.get("headers", []))
        headers.append((b"x-request-id", ensure_request_id(scope).encode("latin-1")))
        message["headers"] = headers
