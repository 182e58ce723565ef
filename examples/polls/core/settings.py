import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
production = os.getenv("DJANGO_ENV") == "production"
SECRET_KEY = os.getenv("SECRET_KEY", "!!!SECRET_KEY!!!")
DEBUG = os.getenv("DEBUG", str(not production)) == "True"
ROOT_URLCONF = "core.urls"
WSGI_APPLICATION = "core.wsgi.application"
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
