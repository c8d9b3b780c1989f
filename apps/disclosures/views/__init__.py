"""Customer pages of the disclosures app, one module per sub-domain: ``records`` (P-22), ``access`` (P-24).

The staff page for customer content is a site-level admin page: ``admin.access``.
"""
