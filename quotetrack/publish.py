"""Publish: serve the quotes database read-only with datasette, described by ``metadata.yml``."""

from __future__ import annotations

from pathlib import Path

import uvicorn
from datasette.app import Datasette
from datasette.plugins import pm
from datasette.utils import parse_metadata

from . import newsroom

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"  # the newsroom pages: datasette's templates, extended
STATIC_DIR = PACKAGE_DIR / "static"
STATIC_MOUNT = "quotetrack-static"  # served at /quotetrack-static/, named in metadata.yml's extra_css_urls

# metadata.yml is written at the root of the source checkout, where a checkout (or an
# editable install) finds it; an installed wheel needs a copy inside the package.
METADATA_LOCATIONS = (PACKAGE_DIR / "metadata.yml", PACKAGE_DIR.parent / "metadata.yml")

# The database name metadata.yml describes: datasette names a database after its file.
DATABASE_NAME = "quotes"


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
    """A datasette serving ``db_path`` immutable (read-only, cacheable) with our metadata."""
    if not Path(db_path).is_file():
        raise FileNotFoundError(f"no database at {db_path}: build it first")
    if not pm.is_registered(newsroom):
        pm.register(newsroom, name="quotetrack-newsroom")
    return Datasette(
        immutables=[str(db_path)],
        metadata=load_metadata(db_path, metadata_path),
        template_dir=str(TEMPLATES_DIR),
        static_mounts=[(STATIC_MOUNT, str(STATIC_DIR))],
    )


def serve(
    db_path: str | Path,
    host: str = "127.0.0.1",
    port: int = 8001,
    metadata_path: str | Path | None = None,
) -> None:
    """Run the datasette web server until interrupted."""
    uvicorn.run(datasette_instance(db_path, metadata_path).app(), host=host, port=port, lifespan="on")
