"""The site's own pages: home, signing in and up, a person's dashboard, open data, credits and errors."""
