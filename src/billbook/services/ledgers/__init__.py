"""Internal ledger writers shared by the use cases (stock, document numbers); no permission checks here — callers hold them."""
