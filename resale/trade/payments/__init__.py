"""Payments: one gateway interface, Stripe and a keyless development gateway behind it."""
