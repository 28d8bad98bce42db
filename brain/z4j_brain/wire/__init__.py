"""msgspec Structs of the REST contract."""
