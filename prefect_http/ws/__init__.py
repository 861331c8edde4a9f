"""WebSocket endpoints (the `prefect` subprotocol) and their shared plumbing."""
