"""Attachments to structured results: outline coverage, the one-stop table, text for matching.

Pure: bytes in, dataclasses out. May import `cchc.core` only; knows nothing of IMAP or SQLite.
"""
