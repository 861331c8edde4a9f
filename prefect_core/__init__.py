"""Pure domain of the orchestration server.

Schemas, the state machine, repository protocols, use cases and hook specs.
This package imports no web framework, database driver or SQL toolkit; the
adapters (`prefect_http`, the storage plugins) depend on it, never the reverse.
"""

#: The Prefect version whose API this server speaks (reported by /admin/version).
PREFECT_API_COMPAT_VERSION = "3.8.8"
#: The REST API version reported to clients in the `x-prefect-api-version` header.
API_VERSION = "0.8.4"
