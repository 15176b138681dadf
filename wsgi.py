"""WSGI entry point: ``gunicorn -w 4 wsgi:app`` (configure with INNOCORE_* variables)."""

from innocore import create_app

app = create_app()
