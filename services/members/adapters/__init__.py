"""Adapters of the members service: the event codec for the wire, protobuf enum
names, and the personal-data keys."""
