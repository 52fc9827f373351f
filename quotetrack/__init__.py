"""quotetrack: who said what in the news — Stanza parses plus YAML attribution rules, stored in SQLite, served by datasette."""
