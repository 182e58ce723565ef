"""Compose files read as Docker Compose v2 reads them, each value with its file and line."""
