"""The members domain: aggregates, events, rules. Standard library,
eventsourcing.domain and the shared domain errors and value checks only."""
