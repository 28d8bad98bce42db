"""z4j-core: the wire model shared by the z4j brain and its agents.

Frames (:mod:`z4j_core.frames`), signing (:mod:`z4j_core.signing`), the replay guard
(:mod:`z4j_core.replay`), events (:mod:`z4j_core.events`), secret redaction
(:mod:`z4j_core.redaction`), keys and tokens (:mod:`z4j_core.keys`) and protocol constants
(:mod:`z4j_core.protocol`). Depends on msgspec only.
"""

from __future__ import annotations

from z4j_core.errors import (
    EventError,
    FrameError,
    ProtocolError,
    RedactionConfigError,
    ReplayError,
    SignatureError,
    UnsupportedVersion,
)
from z4j_core.events import (
    TASK_STATE_BY_KIND,
    TERMINAL_STATES,
    Event,
    EventKind,
    TaskState,
    parse_event,
)
from z4j_core.frames import AGENT_FRAME_TYPES, BRAIN_FRAME_TYPES, Frame, decode_frame
from z4j_core.keys import (
    decode_project_key,
    derive_project_key,
    encode_project_key,
    mint_token,
    token_hash,
)
from z4j_core.protocol import (
    MAX_FRAME_BYTES,
    PROTOCOL_VERSION,
    SUPPORTED_PROTOCOL_VERSIONS,
    WIRE_VERSION,
    CloseCode,
)
from z4j_core.redaction import Redactor
from z4j_core.replay import ReplayGuard, parse_ts
from z4j_core.signing import (
    FrameSigner,
    FrameVerifier,
    SessionBinding,
    canonical_bytes,
    sign,
    verify,
)

__version__ = "2.0.0.dev0"

__all__ = [
    "AGENT_FRAME_TYPES",
    "BRAIN_FRAME_TYPES",
    "MAX_FRAME_BYTES",
    "PROTOCOL_VERSION",
    "SUPPORTED_PROTOCOL_VERSIONS",
    "TASK_STATE_BY_KIND",
    "TERMINAL_STATES",
    "WIRE_VERSION",
    "CloseCode",
    "Event",
    "EventError",
    "EventKind",
    "Frame",
    "FrameError",
    "FrameSigner",
    "FrameVerifier",
    "ProtocolError",
    "RedactionConfigError",
    "Redactor",
    "ReplayError",
    "ReplayGuard",
    "SessionBinding",
    "SignatureError",
    "TaskState",
    "UnsupportedVersion",
    "__version__",
    "canonical_bytes",
    "decode_frame",
    "decode_project_key",
    "derive_project_key",
    "encode_project_key",
    "mint_token",
    "parse_event",
    "parse_ts",
    "sign",
    "token_hash",
    "verify",
]
