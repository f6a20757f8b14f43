"""One module per screen; each registers itself with ``billbook.gui.registry.screen``."""
