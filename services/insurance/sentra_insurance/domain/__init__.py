"""Pure rules of the insurance service: Korea EPS refund claims; no I/O, no clock reads."""
