"""Protocol constants of the agent <-> brain wire, version 2 (compatible with z4j 1.x)."""

from __future__ import annotations

from enum import IntEnum

# The value of hello.payload.protocol_version that we speak.
PROTOCOL_VERSION = "2"
SUPPORTED_PROTOCOL_VERSIONS: frozenset[str] = frozenset({PROTOCOL_VERSION})
# The envelope field `v`; a different integer is an unsupported version, not a malformed frame.
WIRE_VERSION = 2
# Advertised in hello_ack; larger inbound frames close the socket with 4400.
MAX_FRAME_BYTES = 1_048_576


class CloseCode(IntEnum):
    """WebSocket close codes; the 4xxx values are what the stock 1.x agents react to."""

    NORMAL = 1000
    GOING_AWAY = 1001
    INTERNAL_ERROR = 1011
    DISPLACED = 4002
    REVOKED = 4003
    MALFORMED = 4400
    BAD_TOKEN = 4401
    BAD_SIGNATURE = 4403
    IDLE_TIMEOUT = 4408
    UNSUPPORTED_VERSION = 4426
    RATE_LIMITED = 4429
