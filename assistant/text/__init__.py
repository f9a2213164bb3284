"""Text handling: reading reports (txt, md, docx, pdf) into a normalised, sectioned ``Document``."""
