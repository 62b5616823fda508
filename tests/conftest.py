"""Shared test helpers live in tests/builders.py; this file puts tests/ on sys.path for them."""
