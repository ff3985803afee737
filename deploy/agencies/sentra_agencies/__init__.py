"""Sentra's built-in agency responders and the agency conformance sandbox.

They play the agencies so the system runs end to end; a real agency replaces one by
pointing its own consumer at the same topic pair (see deploy/agencies/README.md).
"""
