"""Placeholder: the parser registry is being written (see parsers/model.py for the contract)."""
