"""Use cases: what the server does, written against the ports only.

`Services` bundles them; the HTTP adapter holds one instance per app and calls
into it from thin handlers.
"""

from __future__ import annotations

from prefect_core.services.container import Services

__all__ = ["Services"]
