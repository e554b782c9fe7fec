"""The ground floor: errors, Vietnamese text, configuration, units, periods, labels, verdicts.

Imports nothing else of the project; every other room (parsers, ingest, store, the app) may use it.
"""
