"""Database access: connection pool, embedded server, migrations and generated queries."""
