"""The app's Flask class: two per-request costs of Flask's own, removed with the same results.

- `ensure_sync`: Flask asks `inspect.iscoroutinefunction` about every hook, context processor and view of
  every request (21 times on each page, ~100 Python calls). A plain function that is not a coroutine
  function is returned as Flask returns it, decided from its code flags; anything else goes to Flask.
- `url_for`: building an address in a request walks werkzeug's rule (~14 Python calls; Hantera builds about
  80). Inside a request, an address relative to the site (no `_external`, `_scheme`, `_method`, no
  blueprint-relative endpoint, no `url_defaults` functions) depends only on the endpoint, its values (in order), the
  anchor and where the app is mounted: those are remembered per app (bounded), the rest built by Flask.
tests/web/test_application.py holds both to Flask's own results.
"""
from __future__ import annotations

import inspect
import typing as t
from types import FunctionType

from flask import Flask
from flask.globals import _cv_request

#: remembered addresses per app: enough for every page's links of a busy worker, then started afresh
URL_CACHE_SIZE = 20_000


class StegvisFlask(Flask):
    """Flask with a cheaper `ensure_sync` and remembered in-request addresses."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple, str] = {}

    def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        if (type(func) is FunctionType and not func.__code__.co_flags & inspect.CO_COROUTINE
                and not hasattr(func, "_is_coroutine_marker")):
            return func
        return super().ensure_sync(func)

    def url_for(self, endpoint: str, /, *, _anchor: str | None = None, _method: str | None = None,
                _scheme: str | None = None, _external: bool | None = None, **values: t.Any) -> str:
        request_ctx = _cv_request.get(None)
        if (request_ctx is None or _method is not None or _scheme is not None or _external
                or endpoint[:1] == "." or any(self.url_default_functions.values())):
            return super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme,
                                   _external=_external, **values)
        adapter = request_ctx.url_adapter
        if adapter is None:
            return super().url_for(endpoint, _anchor=_anchor, _external=_external, **values)
        try:  # in the given order (query values are), with their types (True == 1 as a key, not in a query)
            key = (adapter.script_name, adapter.server_name, adapter.subdomain, adapter.url_scheme, endpoint,
                   _anchor, *values.items(), *map(type, values.values()))
            url = self._urls.get(key)
        except TypeError:  # a value that cannot be a key (a list of query values): built every time
            return super().url_for(endpoint, _anchor=_anchor, _external=_external, **values)
        if url is None:
            url = super().url_for(endpoint, _anchor=_anchor, _external=_external, **values)
            if len(self._urls) >= URL_CACHE_SIZE:
                self._urls.clear()
            self._urls[key] = url
        return url
