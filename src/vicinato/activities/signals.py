"""What the activities tell the rest of Vicinato (and their own e-mails), sent inside the transaction of the
change so that a receiver may write in it; receivers that talk to the outside world wait for the commit.

`appointment_changed`: `appointment`, `action` (book, reschedule, offer, accept, cancel, expire, done,
no_show), `actor` (None for scheduled jobs), `note`.
`registration_changed`: `registration`, `action` (register, offer, confirm, cancel, expire), `actor`, `note`.
"""

from django.dispatch import Signal

appointment_changed = Signal()
registration_changed = Signal()
