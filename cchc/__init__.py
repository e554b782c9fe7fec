"""cchc-inbox's own package: the ground floor (`cchc.core`), the app shell's services (the
pipeline, decisions, views, staff actions, outbox, exports) and the roof (`cchc.web`, `cchc.cli`).

The services may import `cchc.core`, `parsers`, `ingest` and `store`; nothing below imports them.
"""

__version__ = "0.1.0"
