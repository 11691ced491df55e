"""Django's PostgreSQL backend with a health check of kept connections that costs no round trip (see base)."""
