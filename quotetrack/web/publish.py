"""Publish: serve the quotes database read-only with datasette, described by ``metadata.yml``.

The database is opened read-only but not immutable, so a build may change it while it
is served: pages show the new rows. No request can take the server down: SQL runs under
a time limit, returns a bounded number of rows, no value (string or blob) may exceed
``MAX_VALUE_BYTES``, the rows of one query may hold at most ``MAX_QUERY_BYTES`` and no
response may exceed ``MAX_RESPONSE_MB`` (every bound is in docs/limits.md); the database
file is not offered for download (the parse cache is a file of its own, never served). Every response carries a
Content-Security-Policy: scripts run only from this server or with the response's nonce,
so no link or markup in the data can run a script.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import threading
import weakref
from pathlib import Path

import uvicorn
from datasette import hookimpl
from datasette.app import Datasette
from datasette.handle_exception import handle_exception as render_error
from datasette.plugins import pm
from datasette.utils import parse_metadata
from datasette.utils.asgi import Request
from datasette.views.base import DatasetteError

from . import newsroom, paging

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"  # the newsroom pages: datasette's templates, extended
STATIC_DIR = PACKAGE_DIR / "static"
STATIC_MOUNT = "quotetrack-static"  # served at /quotetrack-static/, named in metadata.yml's extra_css_urls

# metadata.yml is written at the root of the source checkout, where a checkout (or an
# editable install) finds it; an installed wheel needs a copy inside the package.
METADATA_LOCATIONS = (PACKAGE_DIR / "metadata.yml", PACKAGE_DIR.parents[1] / "metadata.yml")

# The database name metadata.yml describes: datasette names a database after its file.
DATABASE_NAME = "quotes"

# The largest response in MiB (as datasette counts max_csv_mb): a page, a JSON or CSV answer, a streamed CSV export.
MAX_RESPONSE_MB = 50
# datasette's limits on what one request may cost.
SETTINGS = {
    "sql_time_limit_ms": 1000,  # any SQL statement
    "facet_time_limit_ms": 200,
    "max_returned_rows": 500,  # rows one query returns
    "max_csv_mb": MAX_RESPONSE_MB,  # a streamed CSV export stops there, saying so in its last line
    "allow_download": False,  # the .db file: the whole corpus in one request
    "suggest_facets": False,  # the facets metadata.yml names are the useful ones (suggested: raw JSON lists)
}
# The largest string or blob SQLite may make for a request ("select randomblob(1000000000)" is refused):
# the longest stored value, an article of 200,000 characters, fits in 800,000 bytes.
MAX_VALUE_BYTES = 1_000_000
# The most text and blob bytes (characters for text) the rows of one SQL query may hold: forty of the longest
# articles. Rendering multiplies a value (JSON writes a control character in six), so this bounds the server's
# memory, where the response budget alone would come after the response was made.
MAX_QUERY_BYTES = 8_000_000
# What a page may load and run: its own server's scripts, styles, images and data, and inline scripts that carry
# the response's nonce (datasette's own); never a javascript: link or an injected inline script or handler. Vega,
# which compiles chart expressions with Function(), may evaluate code on the pages that draw charts.
CSP = ("default-src 'none'; script-src 'self' 'nonce-{nonce}'{eval}; style-src 'self' 'unsafe-inline';"
       " img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none';"
       " frame-ancestors 'none'")
CHART_SCRIPT = b"/-/static-plugins/datasette_dashboards/vega"
_SCRIPT_TAG = re.compile(rb"<script(?=[\s>])", re.IGNORECASE)


def default_metadata_path() -> Path:
    """The metadata.yml shipped in the package, else the one at the root of the checkout."""
    for path in METADATA_LOCATIONS:
        if path.is_file():
            return path
    raise FileNotFoundError(f"no metadata.yml at {' or '.join(map(str, METADATA_LOCATIONS))}")


def load_metadata(db_path: str | Path, metadata_path: str | Path | None = None) -> dict:
    """Read datasette metadata, pointing its ``quotes`` database at ``db_path``'s name."""
    metadata = parse_metadata(Path(metadata_path or default_metadata_path()).read_text(encoding="utf-8"))
    databases = metadata.get("databases", {})
    name = Path(db_path).stem
    if name != DATABASE_NAME and DATABASE_NAME in databases:
        metadata["databases"] = {name: databases.pop(DATABASE_NAME), **databases}
        if "description_html" in metadata:  # the index page's links to the main view, speakers, ...
            metadata["description_html"] = metadata["description_html"].replace(f"/{DATABASE_NAME}/", f"/{name}/")
        for dashboard in metadata.get("plugins", {}).get("datasette-dashboards", {}).values():
            for part in [*dashboard.get("filters", {}).values(), *dashboard.get("charts", {}).values()]:
                if part.get("db") == DATABASE_NAME:
                    part["db"] = name
    return metadata


def datasette_instance(db_path: str | Path, metadata_path: str | Path | None = None) -> Datasette:
    """A datasette serving ``db_path`` read-only, within ``SETTINGS``, with our metadata."""
    if not Path(db_path).is_file():
        raise FileNotFoundError(f"no database at {db_path}: build it first")
    if not pm.is_registered(Guards):
        pm.register(Guards, name="quotetrack-guards")
    if not pm.is_registered(newsroom):
        pm.register(newsroom, name="quotetrack-newsroom")
    paging.install()  # every sort gets a unique tie-breaker: exports hold each row once
    return BoundedDatasette(
        files=[str(db_path)],
        metadata=load_metadata(db_path, metadata_path),
        settings=SETTINGS,
        template_dir=str(TEMPLATES_DIR),
        static_mounts=[(STATIC_MOUNT, str(STATIC_DIR))],
    )


class QueryTooBig(Exception):
    """A query asked for more than a bound allows: rows holding more than ``MAX_QUERY_BYTES``, or a value over
    ``MAX_VALUE_BYTES``. Not an SQL error, so that no view of datasette's answers it its own way: every form of the
    query (?sql=, a canned query, a table's filters or _where=; HTML, JSON or CSV) gets the same 400 and message."""

    @staticmethod
    def value_message(error: sqlite3.DataError) -> str:
        return f"{error}: a value may hold at most {MAX_VALUE_BYTES:,} bytes (the limit)"


class BoundedDatasette(Datasette):
    """datasette, whose SQL-page queries that make a value over ``MAX_VALUE_BYTES`` raise ``QueryTooBig``."""

    async def execute(self, *args, **kwargs):
        try:
            return await super().execute(*args, **kwargs)
        except sqlite3.DataError as error:  # "string or blob too big": datasette's SQL page shows it as a 200 CSV
            raise QueryTooBig(QueryTooBig.value_message(error)) from None


_fetching = threading.local()  # per thread (datasette runs SQL in a pool of threads): the cursor read, bytes so far


def budgeted_row(cursor: sqlite3.Cursor, values: tuple) -> sqlite3.Row:
    """A row for datasette, counted against ``MAX_QUERY_BYTES`` with the rows its cursor gave before."""
    size = sum(len(value) for value in values if isinstance(value, str | bytes))
    if (reading := getattr(_fetching, "cursor", None)) is not None and reading() is cursor:
        size += _fetching.size
    else:
        _fetching.cursor = weakref.ref(cursor)
    if size > MAX_QUERY_BYTES:
        raise QueryTooBig(f"too big: the rows asked for hold more than {MAX_QUERY_BYTES:,} bytes (the limit);"
                          " ask for fewer rows (_size=, limit) or fewer columns (_col=, select)")
    _fetching.size = size
    return sqlite3.Row(cursor, values)


class Guards:
    """datasette plugin hooks: a bounded SQLite connection, bounded responses under a Content-Security-Policy, and
    answers in 4xx where datasette 0.65 fails with 500."""

    @staticmethod
    @hookimpl
    def prepare_connection(conn):
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        conn.row_factory = budgeted_row

    @staticmethod
    @hookimpl(tryfirst=True)
    def handle_exception(datasette, request, exception):
        # "Cannot sort table by nosuchcolumn" is the client's mistake, not the server's
        if isinstance(exception, DatasetteError) and exception.status == 500 and exception.message.startswith(
                ("Cannot sort table by", "Cannot use _sort")):
            exception.status = 400
        if isinstance(exception, QueryTooBig | sqlite3.DataError):  # DataError: "string or blob too big" in _where=
            message = str(exception) if isinstance(exception, QueryTooBig) else QueryTooBig.value_message(exception)
            return render_error(datasette, request, DatasetteError(message, title="Too big", status=400))
        return None

    @staticmethod
    @hookimpl
    def asgi_wrapper(datasette):
        def wrap(app):
            async def guarded(scope, receive, send):
                if scope["type"] != "http":
                    await app(scope, receive, send)
                elif scope["method"] == "POST" and _refuses_post(datasette, scope["path"]):
                    await _send_json(send, 405, {"ok": False, "status": 405,
                                                 "error": "this database is served read-only: use GET"})
                else:
                    await app(scope, receive, GuardedResponse(datasette, scope, receive, send).send)
            return guarded
        return wrap


class GuardedResponse:
    """An ASGI ``send`` that adds the Content-Security-Policy, gives the response's nonce to the page's own inline
    scripts, and holds every response to ``MAX_RESPONSE_MB``: one made whole is answered 400 instead, a streamed
    one (a CSV export) ends with a last line saying why."""

    def __init__(self, datasette: Datasette, scope, receive, send):
        self.datasette, self.scope, self.receive, self.forward = datasette, scope, receive, send
        self.nonce = secrets.token_urlsafe(16).encode()
        self.start: dict | None = None  # held until the first part of the body shows what the response is
        self.sent = 0
        self.closed = False

    async def send(self, message: dict) -> None:
        if self.closed:
            return
        if message["type"] == "http.response.start":
            self.start = message
            return
        if message["type"] != "http.response.body":
            await self.forward(message)
            return
        body, more = message.get("body", b""), message.get("more_body", False)
        if self.start is not None:
            start, self.start = self.start, None
            if not more and len(body) > MAX_RESPONSE_MB * 2**20:
                self.closed = True
                error = DatasetteError(response_too_big(), title="Too big", status=400)
                response = await render_error(self.datasette, Request(self.scope, self.receive), error)()
                await response.asgi_send(GuardedResponse(self.datasette, self.scope, self.receive, self.forward).send)
                return
            headers = [(name, value) for name, value in start.get("headers", [])
                       if name.lower() != b"content-security-policy"]
            # a page made whole (datasette's are): a streamed one keeps its inline scripts from running
            html = not more and any(name.lower() == b"content-type" and value.startswith(b"text/html")
                                    for name, value in headers)
            if html:
                body = _SCRIPT_TAG.sub(b'<script nonce="' + self.nonce + b'"', body)
                headers = [(name, str(len(body)).encode() if name.lower() == b"content-length" else value)
                           for name, value in headers]
            policy = CSP.format(nonce=self.nonce.decode(), eval=" 'unsafe-eval'" if html and CHART_SCRIPT in body else "")
            headers += [(b"content-security-policy", policy.encode()), (b"x-content-type-options", b"nosniff")]
            await self.forward({**start, "headers": headers})
        self.sent += len(body)
        if self.sent > MAX_RESPONSE_MB * 2**20:
            self.closed = True
            await self.forward({"type": "http.response.body", "body": f"\n{response_too_big()}\n".encode()})
            return
        await self.forward({**message, "body": body})


def response_too_big() -> str:
    return (f"too big: the response would pass {MAX_RESPONSE_MB:,} MB (the limit);"
            " ask for fewer rows (_size=, limit) or fewer columns (_col=, select)")


def _refuses_post(datasette: Datasette, path: str) -> bool:
    """Whether ``path`` is a database, table, view or canned query that takes no POST: all of ours but a canned
    query marked ``write`` (datasette 0.65 answers such a POST with a 500)."""
    parts = path.strip("/").removesuffix(".json").removesuffix(".csv").split("/")
    if parts[0] not in datasette.databases or len(parts) > 2:
        return False
    canned = (datasette.metadata("queries", database=parts[0]) or {}).get(parts[-1]) if len(parts) == 2 else None
    return not (isinstance(canned, dict) and canned.get("write"))


async def _send_json(send, status: int, body: dict) -> None:
    content = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]})
    await send({"type": "http.response.body", "body": content})


def serve(
    db_path: str | Path,
    host: str = "127.0.0.1",
    port: int = 8001,
    metadata_path: str | Path | None = None,
) -> None:
    """Run the datasette web server until interrupted."""
    uvicorn.run(datasette_instance(db_path, metadata_path).app(), host=host, port=port, lifespan="on")
