"""Publish: serve the quotes database read-only with datasette, described by ``metadata.yml``.

The database is opened read-only but not immutable, so a build may change it while it
is served: pages show the new rows. No request can take the server down: SQL runs under
a time limit, returns a bounded number of rows, and no value (string or blob) may exceed
``MAX_VALUE_BYTES``; the database file (which holds the parse cache) is not offered for
download.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import uvicorn
from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import pm
from datasette.utils import parse_metadata
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

# datasette's limits on what one request may cost.
SETTINGS = {
    "sql_time_limit_ms": 1000,  # any SQL statement
    "facet_time_limit_ms": 200,
    "max_returned_rows": 500,  # rows one query returns
    "max_csv_mb": 50,  # a streamed CSV export
    "allow_download": False,  # the .db file: the whole parse cache
    "suggest_facets": False,  # the facets metadata.yml names are the useful ones (suggested: raw JSON lists)
}
# The largest string or blob SQLite may make for a request ("select randomblob(1000000000)" is refused):
# the longest stored value, an article of 200,000 characters, fits in 800,000 bytes.
MAX_VALUE_BYTES = 1_000_000


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
    return Datasette(
        files=[str(db_path)],
        metadata=load_metadata(db_path, metadata_path),
        settings=SETTINGS,
        template_dir=str(TEMPLATES_DIR),
        static_mounts=[(STATIC_MOUNT, str(STATIC_DIR))],
    )


class Guards:
    """datasette plugin hooks: a bounded SQLite connection, and answers in 4xx where datasette 0.65 fails with 500."""

    @staticmethod
    @hookimpl
    def prepare_connection(conn):
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)

    @staticmethod
    @hookimpl(tryfirst=True)
    def handle_exception(exception):
        # "Cannot sort table by nosuchcolumn" is the client's mistake, not the server's
        if isinstance(exception, DatasetteError) and exception.status == 500 and exception.message.startswith(
                ("Cannot sort table by", "Cannot use _sort")):
            exception.status = 400

    @staticmethod
    @hookimpl
    def asgi_wrapper(datasette):
        def wrap(app):
            async def guarded(scope, receive, send):
                if scope["type"] == "http" and scope["method"] == "POST" and _refuses_post(datasette, scope["path"]):
                    await _send_json(send, 405, {"ok": False, "status": 405,
                                                 "error": "this database is served read-only: use GET"})
                    return
                await app(scope, receive, send)
            return guarded
        return wrap


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
