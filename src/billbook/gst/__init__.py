"""GST returns in the formats the GST portal, its offline tool and the e-invoice portal take.

Pure functions from plain data (:mod:`billbook.gst.model`) to documents: GSTR-1 JSON and the
offline tool's CSV sheets (:mod:`.gstr1`), GSTR-3B tables 3.1/3.2 (:mod:`.gstr3b`), e-invoice
INV-01 v1.1 JSON (:mod:`.einvoice`), each checked against a JSON Schema kept beside it
(``schemas/``) before it is handed out (:mod:`.schema`). This layer never queries: the
service ``services/insight/filing.py`` loads a period's documents and calls these.

Sources for the formats (named again in the tests): the GST portal's GSTR-1 API attributes
(v4.0) as mapped by resilient-tech/india-compliance (``gst_india/utils/gstr_1``) and its test
fixtures; the GSTR-1 offline tool's import code (column headers of each CSV sheet); NIC's
e-invoice schema INV-01 v1.1 and its published sample.
"""
