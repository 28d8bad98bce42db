"""One PostgreSQL location, spelled for each client that needs it.

asyncpg takes a Unix socket directory as ``?host=/dir``, dbmate as ``?socket=/dir``; the
banner and ``z4j status`` must never print a password.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import msgspec


class Dsn(msgspec.Struct, frozen=True, kw_only=True):
    """A PostgreSQL URL in the libpq form asyncpg accepts (``postgresql://...``)."""

    url: str

    @classmethod
    def for_socket(
        cls, socket_dir: str, database: str, *, user: str = "postgres", port: int = 5432
    ) -> Dsn:
        """A URL for a server listening only on a Unix socket in ``socket_dir``."""
        query = urlencode({"host": socket_dir, "port": str(port)}, safe="/")
        return cls(url=f"postgresql://{quote(user)}@/{quote(database)}?{query}")

    @property
    def database(self) -> str:
        """The database name."""
        return urlsplit(self.url).path.lstrip("/")

    def with_database(self, database: str) -> Dsn:
        """The same server, another database."""
        parts = urlsplit(self.url)
        return Dsn(url=urlunsplit(parts._replace(path="/" + quote(database))))

    @property
    def socket_dir(self) -> str | None:
        """The Unix socket directory, when the URL names one."""
        parts = urlsplit(self.url)
        host = dict(parse_qsl(parts.query)).get("host")
        if host and host.startswith("/"):
            return host
        return None

    def for_dbmate(self) -> str:
        """dbmate's spelling: ``socket=`` for Unix sockets; ``sslmode=disable`` on loopback."""
        parts = urlsplit(self.url)
        query = dict(parse_qsl(parts.query))
        if (sock := self.socket_dir) is not None:
            query.pop("host", None)
            query["socket"] = sock
            netloc = parts.netloc.split("@", 1)[0] + "@" if "@" in parts.netloc else ""
            if "port" in query and ":" not in netloc:
                netloc = netloc.rstrip("@") + f"@:{query.pop('port')}"
            parts = parts._replace(netloc=netloc)
        elif "sslmode" not in query and (parts.hostname or "localhost") in (
            "localhost",
            "127.0.0.1",
            "::1",
        ):
            query["sslmode"] = "disable"
        return urlunsplit(parts._replace(scheme="postgres", query=urlencode(query)))

    def masked(self) -> str:
        """The URL with any password replaced by ``***``."""
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        user = parts.username or ""
        host = parts.netloc.rsplit("@", 1)[1]
        return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))

    def describe(self) -> str:
        """Short location for humans: ``host:port/db`` or ``socket dir/db``."""
        parts = urlsplit(self.url)
        if (sock := self.socket_dir) is not None:
            return f"{sock} (unix socket), database {self.database}"
        return f"{parts.hostname}:{parts.port or 5432}, database {self.database}"
