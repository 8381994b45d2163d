"""Security headers on every response, the trusted-proxy setting, and the request size limit.

- CSP: only our own scripts, styles, images and audio; no inline code at all (templates keep their
  JavaScript in web/static/patient.js and their CSS in web/static/*.css); no framing.
- nosniff, Referrer-Policy same-origin, HSTS when the base URL is https.
- Cache-Control: no-store on everything but public static files and step audio (the same program
  text for every patient); pages, CSV exports and the welcome-text audio hold personal data.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
#: endpoints whose responses hold no personal data and may be cached
CACHEABLE_ENDPOINTS = frozenset({"static", "patient.step_audio"})
HSTS = "max-age=31536000; includeSubDomains"


def csp_for(app: Flask) -> str:
    """The CSP; with OpenID Connect, the login and logout forms may also lead to the providers' origins
    (form-action applies to the redirect that follows a form POST)."""
    origins = []
    for key in ("OIDC_STAFF", "OIDC_PATIENT"):
        parts = urlsplit((app.config.get(key) or {}).get("issuer") or "")
        if parts.scheme and parts.netloc and f"{parts.scheme}://{parts.netloc}" not in origins:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return CSP.replace("form-action 'self'", " ".join(["form-action 'self'", *origins])) if origins else CSP


def add_headers(response, *, https: bool, csp: str = CSP):
    """Set the security headers on one response (the after-request hook)."""
    headers = response.headers
    headers["Content-Security-Policy"] = csp
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if https:
        headers["Strict-Transport-Security"] = HSTS
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response


def init_app(app: Flask) -> None:
    """Install the header hook and, with STEGVIS_TRUSTED_PROXIES > 0, ProxyFix for that many proxies."""
    https = bool(app.config["SESSION_COOKIE_SECURE"])
    csp = csp_for(app)
    app.after_request(lambda response: add_headers(response, https=https, csp=csp))
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
