"""Errors the services raise for the views to show (never a traceback in front of a user)."""
from __future__ import annotations


class ServiceError(Exception):
    """A rejected action: `message` for a flash, `fields` maps form field → Swedish message."""

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class AccessDenied(ServiceError):
    """The user may not see or change this record (views turn it into 404, never revealing it exists)."""
