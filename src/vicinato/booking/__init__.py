"""Booking of desks, rooms and services."""
