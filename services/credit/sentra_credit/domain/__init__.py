"""Pure KUR screening rules of the credit service: no I/O, no clock reads."""
