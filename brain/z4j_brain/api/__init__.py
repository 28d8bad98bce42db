"""HTTP controllers: thin, one module per resource."""
