"""Persistence: the SQLite schema and its migrations, the content-addressed archive, queries.

The only room that touches SQLite or the archive folder; imports leaf modules of `cchc` only.
"""
