"""Shapes of the API's requests and answers, one module per domain (`common` for what they share)."""
