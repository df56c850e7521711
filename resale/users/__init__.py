"""Accounts, login tokens and the profile with a home location."""
