"""Adapters: the event codec for the wire, the store and bus wiring."""
