"""Getting mail in: files and IMAP, MIME decoding, sender authentication, unit matching, and
the facts a message states. May import `cchc.core` and `parsers`; never `store` or the app.
"""
