"""The error envelope every failed request gets."""

from __future__ import annotations

import msgspec


class ErrorBody(msgspec.Struct, frozen=True, kw_only=True):
    """``{"error": <stable code>, "message": <human text>, "request_id": <id>}``."""

    error: str
    message: str
    request_id: str
    details: dict[str, object] = msgspec.field(default_factory=dict)
