"""Getting mail in: mailbox and file sources, MIME decoding, sender authentication, unit matching.

May import `parsers` and the leaf modules `cchc.core.errors` / `cchc.core.text`; never `store` or `scheduler`.
"""
