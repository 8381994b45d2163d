"""The hello-world Flask app bench_pages.py compares every page with (same gunicorn, same run)."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "Hello, world!"
