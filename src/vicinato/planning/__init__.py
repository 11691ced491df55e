"""Planning for Vicinato: where the next places to work near home should open."""
