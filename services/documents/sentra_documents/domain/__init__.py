"""Pure rules of the documents service: identity, placement eligibility, TPPO red flags, SLAs.

Nothing here performs I/O or reads the clock: every fact (today's date, registries,
other applicants, calendars) is an argument.
"""
