"""The schemas of cluster data, one module per shape; each exposes ``SCHEMA`` (see ``pipeline.schema``)."""
