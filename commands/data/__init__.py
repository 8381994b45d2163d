"""Commands on the data: statistics, export and gallring (stats, export, gallra), and moving running moments to a new program version (moments upgrade)."""
