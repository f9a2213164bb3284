"""Budget data: the ReportData model, its loaders and the FactSheet."""
