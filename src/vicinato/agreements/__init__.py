"""Agreements between organisations, memberships of people in them, and voucher programmes."""
