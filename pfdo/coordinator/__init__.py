"""The municipal coordinator's side: the application queue, decisions, financing periods and
the dashboard."""
