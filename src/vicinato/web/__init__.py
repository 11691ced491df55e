"""Every page of the site, one folder per domain (site, register, geo, booking, agreements); no domain app holds
HTTP code, and `web/urls.py` is the one URLconf of the pages."""
