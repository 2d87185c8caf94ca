"""Entrypoints: the gRPC servicer, its converters, and the server factory."""
