"""What the booking engine tells the rest of Vicinato.

`reservation_changed` is sent inside the transaction that changes a reservation, right after the change is
recorded, so that a receiver may write in the same transaction (e.g. a voucher ledger) or raise to undo the
change. Receivers that talk to the outside world (e-mail) must wait with `transaction.on_commit`.

Arguments: `reservation`, `action` (a key of `Reservation.TRANSITIONS`, or "create"), `source` (the state
before, "" when created), `actor` (None for scheduled jobs), `at`, `note`.

`offer_made` is sent, in the same way, when a waiting-list entry receives an offer: argument `entry`.
"""

from django.dispatch import Signal

reservation_changed = Signal()
offer_made = Signal()
