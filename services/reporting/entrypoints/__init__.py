"""Entrypoints of the reporting service: the gRPC servicer and its converters,
the server factory and process entrypoint."""
