"""The SQLite store: the database's shape (``shape``), records as rows (``rows``), statements
(``statements``), the parse cache file (``parses``) and the ``Store`` that writes them (``database``)."""

from .database import Store, StoredInputs
from .parses import ParseFile, parses_path
from .rows import ArticleRows, article_rows
from .statements import Grouping

__all__ = ["ArticleRows", "Grouping", "ParseFile", "Store", "StoredInputs", "article_rows", "parses_path"]
