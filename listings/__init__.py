"""What is for sale: listings, categories, photos, favourites, and (later) search."""
