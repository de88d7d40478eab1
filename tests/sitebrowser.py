"""Serve the built site under a sub path (as GitHub Pages does) and drive Debian's Chromium."""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import io
import os
import threading
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("SLMWIKI_SITE_DIR", ROOT / "site"))
SUB_PATH = "/slmwiki/"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _SubPathHandler(http.server.SimpleHTTPRequestHandler):
    """Serves site/ at /slmwiki/ and answers everything else with 404.html, like GitHub Pages."""

    def log_message(self, *args) -> None:  # quiet test output
        pass

    def translate_path(self, path: str) -> str:
        if not path.startswith(SUB_PATH):
            return str(SITE / "__missing__")
        return super().translate_path("/" + path[len(SUB_PATH) :])

    def send_head(self):
        """Like the parent, but gzip-compresses text responses when the client accepts it (as GitHub Pages)."""
        path = self.translate_path(self.path.split("?", 1)[0].split("#", 1)[0])
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        compressible = path.endswith((".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".mjs"))
        if not (compressible and "gzip" in self.headers.get("Accept-Encoding", "") and os.path.isfile(path)):
            return super().send_head()
        if self.path.split("?", 1)[0].endswith("/") is False and os.path.isdir(
            self.translate_path(self.path)
        ):
            return super().send_head()  # let the parent redirect /dir to /dir/
        with open(path, "rb") as handle:
            body = gzip.compress(handle.read(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        return io.BytesIO(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code == 404 and (SITE / "404.html").exists():
            body = (SITE / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().send_error(code, message, explain)


@contextlib.contextmanager
def serve_site() -> Iterator[str]:
    """Starts a local HTTP server for site/ and yields the base URL (ending in /slmwiki/)."""
    handler = functools.partial(_SubPathHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{SUB_PATH}"
    finally:
        server.shutdown()
        server.server_close()


def site_pages() -> list[str]:
    """Relative URLs (directory style) of every HTML page in site/, 404 page excluded."""
    pages = []
    for html in sorted(SITE.rglob("index.html")):
        rel = html.parent.relative_to(SITE).as_posix()
        pages.append("" if rel == "." else rel + "/")
    return pages
