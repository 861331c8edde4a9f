"""The server process: `prefect-server [--host H] [--port P]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from aiohttp import web

from prefect_core.errors import ConfigurationError
from prefect_core.settings import Settings
from prefect_http.app import create_app
from prefect_http.gc_tuning import GcSettings, tune_after_startup

log = logging.getLogger("prefect_http.server")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="prefect-server", description="Serve the Prefect 3 API.")
    parser.add_argument("--host", help="address to listen on (PREFECT_SERVER_API_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (PREFECT_SERVER_API_PORT, default 4200)")
    return parser.parse_args(argv)


def _install_fast_loop() -> None:
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until SIGINT/SIGTERM; in-flight requests finish, then exit 0."""
    args = parse_args(argv)
    overrides = {k: v for k, v in {"api_host": args.host, "api_port": args.port}.items() if v is not None}
    try:
        # Every configuration problem (a bad variable, an unknown backend, a database
        # that cannot be reached) ends here as one line, before or during start-up.
        settings = Settings.from_env(**overrides)
        logging.basicConfig(
            level=settings.logging_level,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
        _install_fast_loop()
        gc_settings = GcSettings.from_env()
        app = create_app(settings)

        async def tune_gc(_app: web.Application) -> None:
            # Last of the start-up callbacks: storage, services and caches are set up by now.
            tune_after_startup(gc_settings)

        app.on_startup.append(tune_gc)
        print(
            f"prefect-server: serving the Prefect API at http://{settings.api_host}:{settings.api_port}/api "
            f"({settings.database_backend})",
            file=sys.stderr,
            flush=True,
        )
        web.run_app(
            app,
            host=settings.api_host,
            port=settings.api_port,
            shutdown_timeout=10.0,
            access_log=None,
            print=None,
            handle_signals=True,
        )
    except ConfigurationError as exc:
        print(f"prefect-server: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
