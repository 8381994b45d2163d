"""Running it: the production server, health, readiness and metrics endpoints, structured logs, request ids.

Also the security headers and the guard that turns malformed input into a 4xx rather than a 500.
Nothing is imported here, so a service that imports `web.ops.metrics` loads no endpoint.
"""
