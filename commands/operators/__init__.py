"""Commands for operators: the database (migrations), the production server, the demo and its seed data, the tick and the worker."""
