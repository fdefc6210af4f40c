"""The public navigator: search and filters over published programs, program and provider pages."""
