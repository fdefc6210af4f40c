"""The entry point for `flask` and gunicorn: `gunicorn app:app`."""

from pfdo import create_app

app = create_app()
