"""The empowerment rules: pure functions, no I/O and no clock (dates are arguments)."""
