"""Advice services and appointments, events, courses, workshops and urban labs at the places."""
