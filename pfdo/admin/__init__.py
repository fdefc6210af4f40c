"""The administrator's pages: staff accounts and the audit log (docs/architecture.md)."""
