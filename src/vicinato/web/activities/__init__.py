"""The activities' pages: the agenda and events, advice services and appointments, and the pages of advisors,
organisers and places' operators."""
