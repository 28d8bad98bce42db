"""z4j brain: the central process (dashboard, REST API, agent gateway, PostgreSQL)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("z4j")
except PackageNotFoundError:  # pragma: no cover - running from a tree without metadata
    __version__ = "0+unknown"

__all__ = ("__version__",)
