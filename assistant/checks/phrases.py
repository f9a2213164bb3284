"""Set phrases of the report type written with a character missing, swapped or misread."""
