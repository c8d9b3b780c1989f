"""Reads of the breaches app, by sub-domain: register, clocks, people."""
