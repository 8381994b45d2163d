"""The live server's wrapper (stegvis_testing.closing, tests/e2e/conftest.py): a response body is closed however the serving ends."""
from __future__ import annotations

from stegvis_testing import closing


class Body:
    """A response body that records whether it was closed (as a sent file's wrapper closes its file)."""

    def __init__(self):
        self.closed = False

    def __iter__(self):
        yield b"first"
        yield b"second"

    def close(self):
        self.closed = True


def _served(body: Body):
    def app(environ, start_response):
        start_response("200 OK", [])
        return body

    return closing(app)({}, lambda *args: None)


def test_a_body_dropped_unfinished_is_closed():
    # werkzeug's dev server drops the body without close() when the browser resets the connection
    body = Body()
    served = _served(body)
    assert next(served) == b"first"
    del served
    assert body.closed


def test_a_body_served_to_the_end_is_closed_once_and_whole():
    body = Body()
    served = _served(body)
    assert list(served) == [b"first", b"second"] and body.closed
