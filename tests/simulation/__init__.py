"""A seeded, deterministic simulation of the ledger, the outbox relays and the
reporting projections over an in-memory JetStream model with injected faults
(see tests/test_simulation.py)."""
