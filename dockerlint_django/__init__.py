"""dockerlint-django: lint how Django and Gunicorn projects are containerised."""

__version__ = "0.1.0"
