"""Persistence: the SQLite schema and migrations, the content-addressed archive, writes and reads.

The only room that speaks SQL. May import `cchc.core`, `parsers` and `ingest` (for their types).
"""
