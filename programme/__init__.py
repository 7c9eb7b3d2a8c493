"""Supervision series, bookable slots, bookings, debriefs and learning."""
