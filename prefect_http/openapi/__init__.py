"""The OpenAPI document generated from the route table, and Swagger UI (`/docs`)."""

from prefect_http.openapi.describe import describe, hidden

__all__ = ["describe", "hidden"]
