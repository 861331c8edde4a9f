"""Events the server itself produces, and the in-process event plumbing."""
