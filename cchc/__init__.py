"""The app shell of cchc-inbox: configuration, domain rules (units, periods, deadlines), the CLI.

Leaf modules here (`errors`, `text`) may be imported by every room; the rest imports the rooms.
"""

__version__ = "0.1.0"
