"""Data files shipped with the core (generated; see the scripts that write them)."""
