"""The rule language: reading rules/ (YAML, schema, coded errors), the engine's relation and step tables, the speaker lexicon and the generated reference."""
