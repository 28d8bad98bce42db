"""Exceptions of z4j-core.

Protocol violations derive from :class:`ProtocolError` and carry the close code the receiver
should use, so a gateway can write ``except ProtocolError as exc: close(exc.close_code)``.
Per-event and configuration errors are plain ``ValueError`` subclasses: a bad event is
rejected on its own and must not tear down the connection.
"""

from __future__ import annotations

from z4j_core.protocol import CloseCode


class ProtocolError(Exception):
    """A frame the receiver must refuse; ``close_code`` says how to close the socket."""

    close_code: CloseCode = CloseCode.MALFORMED


class FrameError(ProtocolError):
    """The frame is malformed: not an object, unknown type, or schema-invalid."""

    close_code = CloseCode.MALFORMED


class UnsupportedVersion(ProtocolError):
    """The envelope ``v`` or the hello's ``protocol_version`` is not one we speak."""

    close_code = CloseCode.UNSUPPORTED_VERSION


class SignatureError(ProtocolError):
    """The frame's HMAC is missing or does not match."""

    close_code = CloseCode.BAD_SIGNATURE


class ReplayError(ProtocolError):
    """The frame is stale, out of sequence, or reuses a nonce."""

    close_code = CloseCode.BAD_SIGNATURE


class EventError(ValueError):
    """One event of an event_batch is invalid; ``reason`` is short and safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RedactionConfigError(ValueError):
    """A user-supplied redaction pattern does not compile or matches the empty string."""
