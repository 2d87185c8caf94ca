"""Entrypoints of the members service: the server factory and process entrypoint."""
