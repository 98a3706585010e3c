"""What a person fills in: the Excel workbook (written and read back), the YAML skeleton, the province's
official forms adopted as templates."""
