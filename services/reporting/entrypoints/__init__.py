"""Entrypoints of the reporting service: the server factory and process entrypoint."""
