"""What derived data (parse caches, attributions, cleaned inputs) depends on: quotetrack's version,
other packages' versions and the sources of quotetrack's own modules."""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
from pathlib import Path


def source_digest(modules: tuple[str, ...], packages: tuple[str, ...] = ()) -> str:
    """A hash of the quotetrack version, the versions of ``packages`` and the sources of the quotetrack ``modules``."""
    digest = hashlib.sha256(importlib.metadata.version("quotetrack").encode())
    for package in packages:
        digest.update(package.encode() + importlib.metadata.version(package).encode())
    for name in modules:
        module = importlib.import_module(f"{__package__}.{name}")
        digest.update(name.encode() + Path(module.__file__).read_bytes())
    return digest.hexdigest()
