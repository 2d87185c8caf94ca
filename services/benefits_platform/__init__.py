"""What every benefits service needs: configuration, logging, the gRPC server
bootstrap and error mapping, the event store set-up, the NATS bus and outbox
relay, and the generated protobuf code (``benefits_platform.protos``)."""
