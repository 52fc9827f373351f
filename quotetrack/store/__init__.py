"""The SQLite store: the database shape, what each build writes, and statements."""
