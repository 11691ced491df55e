"""The register's pages: the list of places and each place, an organisation's places and members, applications
and their review."""
