"""Adapters of the members service: the event codec for the wire, store and bus wiring."""
