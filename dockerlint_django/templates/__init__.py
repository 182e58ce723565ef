"""Cookiecutter templates: rendering them offline in a sandbox, and linting through the renders."""
