"""Publishing: datasette with quotetrack's metadata, templates, static files and the newsroom pages."""
