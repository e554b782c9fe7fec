"""Time-driven work: polling, acknowledgements, reminders, escalations and the daily digest.

The roof: may import the app shell's services and every room below; never `cchc.cli` or `cchc.web`.
"""
