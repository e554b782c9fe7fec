"""Time-driven work: polling, acknowledgements, reminders, escalations and the daily digest.

Sits on top: may import every other room.
"""
