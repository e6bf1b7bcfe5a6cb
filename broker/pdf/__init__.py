"""The report as a PDF: rendering (render, context, fonts, qr), the warm rendering pool and PAdES signatures.

Import the submodule you need (``broker.pdf.pool.PdfRenderer``, ``broker.pdf.render.render_pdf``,
``broker.pdf.sign.sign_pdf``): this package imports nothing, so that loading the broker never loads weasyprint.
"""
