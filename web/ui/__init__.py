"""What every screen shares: the form classes, access decorators on routes, view helpers, Jinja filters and globals."""
