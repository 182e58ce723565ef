"""What an image reads from its build context, read as text and ASTs, never executed.

Django settings, the Gunicorn config file and requirements files are found where Docker's COPY
puts them and Django, Gunicorn or pip would look; anything missing or unreadable is unknown.
"""
