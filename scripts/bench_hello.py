"""A plain Flask "hello world", served by `make bench` with the portal's gunicorn settings: the
yardstick the portal's pages are measured against (their throughput as a ratio to this one's)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
