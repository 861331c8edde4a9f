"""The aiohttp adapter: REST and websockets over the core's use cases, and the server process."""
