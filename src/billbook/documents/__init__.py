"""reportlab PDFs: A4 tax invoice / bill of supply, 80 mm receipt, credit note, purchase order.

Renderers take the plain dataclasses of :mod:`billbook.documents.model` (no database);
``services/selling/document_data.py`` loads those from stored rows and
``services/selling/documents.py`` ties them together (permissions, print count, file names).
"""
