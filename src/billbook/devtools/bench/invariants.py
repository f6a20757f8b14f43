"""The shop's invariants for the fault tests and the soak: see :mod:`billbook.services.data.invariants`
(the same checks a restore and a transfer run before switching in)."""

from billbook.services.data.invariants import check_invariants, problems_in

__all__ = ["check_invariants", "problems_in"]
