"""CustomTkinter desktop app. Screens call services; they hold no SQL and no business rules."""
