"""The ``benefits`` command-line client and the local stack runner (``benefits up``)."""
