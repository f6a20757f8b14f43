"""billbook: billing, GST invoicing and inventory for small shops."""

__version__ = "0.1.0"
