"""Entrypoints of the members service: the gRPC servicer, its converters, the
reveal check, the server factory and process entrypoint."""
