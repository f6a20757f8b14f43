"""Pure business rules: no database, no GUI, no I/O."""
