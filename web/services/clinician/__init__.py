"""Services for staff (behandlare and administrators): the moment screens, flags, plans, overview, staff."""
