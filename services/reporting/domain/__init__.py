"""The reporting domain: report definitions and totals. Standard library,
eventsourcing.domain and the shared domain errors only."""
