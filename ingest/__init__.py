"""Getting mail in: mailbox and file sources, MIME decoding, sender authentication, unit matching.

May import `parsers` and the leaf modules `cchc.errors` / `cchc.text`; never `store` or `scheduler`.
"""
