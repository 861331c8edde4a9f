"""Repositories: one module per aggregate, rows converted to core schemas here."""
