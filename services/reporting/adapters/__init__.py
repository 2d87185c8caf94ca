"""Adapters of the reporting service: NATS consumers' wiring and the projection store."""
