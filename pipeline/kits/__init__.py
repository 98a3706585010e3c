"""File-format toolkits that know no programme: Word (docxkit, tablefit, wordfile), PDF (pdfkit), fonts,
safe Office and spreadsheet files, the sandboxed Jinja environment."""
