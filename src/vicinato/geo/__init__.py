"""geo app."""
