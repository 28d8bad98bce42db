"""Decisions: everything between a controller and the generated queries."""
