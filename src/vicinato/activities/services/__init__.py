"""The one place that decides on advice services, appointments, events and registrations."""
