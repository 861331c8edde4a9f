"""Scheduling: which dates a schedule produces, and which runs a deployment gets."""
