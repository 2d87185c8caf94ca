"""Authentication and authorisation for every service.

- :mod:`.keys`: the keys file (BENEFITS_API_KEYS_FILE, default
  ``<data dir>/keys/api-keys.json``): API keys stored as hashes, and the
  certificate identities of mutual TLS, each with roles and a union-unit scope;
- :mod:`.policy`: the roles and each service's method -> roles policy;
- :mod:`.interceptor`: the server interceptor that authenticates every call,
  checks the method's policy and binds the caller
  (:func:`benefits_platform.identity.current`);
- :mod:`.tls`: server and client credentials from PEM files.
"""

from benefits_platform.auth.keys import (
    KeysFile,
    KeysUnavailable,
    StoredIdentity,
    default_keys_path,
)
from benefits_platform.auth.policy import (
    ADMIN,
    ANY_ROLE,
    AUDITOR,
    POSTER,
    READ,
    REVIEWER,
    ROLES,
    Policy,
    Rule,
    allow,
    outside_scope,
)
from benefits_platform.identity import ALL_UNITS

__all__ = [
    "ADMIN",
    "ALL_UNITS",
    "ANY_ROLE",
    "AUDITOR",
    "POSTER",
    "READ",
    "REVIEWER",
    "ROLES",
    "KeysFile",
    "KeysUnavailable",
    "Policy",
    "Rule",
    "StoredIdentity",
    "allow",
    "default_keys_path",
    "outside_scope",
]
