"""register app."""
