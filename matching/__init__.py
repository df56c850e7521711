"""The recommendation model (personal feed, similar items nearby, interested buyers).

Not built yet: this package is reserved by the architecture and filled by the
matching issue (#6). Nothing imports it so far.
"""
