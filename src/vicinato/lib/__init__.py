"""Small helpers shared by every app, with no models: errors, form errors, transitions, mail, prepared SQL."""
