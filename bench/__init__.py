"""Benchmark harness: our server against the reference Prefect server and a bare-aiohttp ceiling.

Run `python -m bench --help`; see bench/README.md.
"""
