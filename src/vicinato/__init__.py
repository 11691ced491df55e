"""Vicinato: the public platform of proximity work."""
