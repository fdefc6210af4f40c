"""Programs and groups: the provider's catalogue entries, their moderation and search terms."""
