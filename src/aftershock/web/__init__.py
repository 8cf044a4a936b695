"""The web app: a REST API (OpenAPI at /docs) and server-rendered dashboard pages."""

from aftershock.web.app import Settings, create_app

__all__ = ["Settings", "create_app"]
