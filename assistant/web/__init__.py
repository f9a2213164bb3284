"""The web face: ``app`` (the only gradio importer) and ``views`` (HTML for the page, no gradio)."""
