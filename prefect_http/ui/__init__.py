"""The web UI shipped in the `prefect` package, served as the reference serves it (docs/ui.md)."""
