"""The pipeline's stages, in data-flow order: ingest → parse → match (with its steps and statement screen) → resolve."""
