"""The reporting domain: what the ledger and members events mean for the
reports, as pure functions over plain values (facts in, row changes and report
figures out), and the audit checks. Standard library and the shared domain
errors only: no protobuf, SQL, NATS or gRPC."""
