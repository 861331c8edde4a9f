"""Pydantic schemas of the Prefect 3 REST API, as the reference server defines them."""
