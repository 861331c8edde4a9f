"""Background services the server runs beside the API: scheduler, late runs,
foreman, cancellation clean-up, pause expirations, the repossessor (expired
concurrency leases).

Each is a `Loop`: a tick coroutine run every `interval` seconds, each tick
bounded by a timeout, the whole loop cancellable. `build_loops` picks the
enabled ones from the settings (PREFECT_SERVER_SERVICES_<NAME>_ENABLED).
"""

from prefect_core.services.background.loops import Loop, LoopRunner, build_loops

__all__ = ["Loop", "LoopRunner", "build_loops"]
