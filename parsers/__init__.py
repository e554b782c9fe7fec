"""Attachments to structured results: outline coverage, the one-stop table, text for matching.

Pure: bytes in, dataclasses out. Imports only `cchc.core.errors` / `cchc.core.text`; knows nothing of IMAP or SQLite.
"""
