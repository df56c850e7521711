"""resale: the shell of the marketplace and the trade itself."""
