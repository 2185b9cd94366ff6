"""WSGI entry point for gunicorn (a dependency), the production server:

    .venv/bin/gunicorn config.wsgi --bind 127.0.0.1:8001 --workers 3

behind a proxy that ends TLS and serves /static/ (README, "Production"). `make run` uses
Django's development server instead.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
