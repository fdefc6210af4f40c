"""Providers: registry applications with documents, the coordinator's review, the registry."""
