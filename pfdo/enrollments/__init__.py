"""Enrolment: what a family pays, requests, offers and contracts."""
