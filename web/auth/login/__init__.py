"""Who a user is and how a login proceeds: identity providers for staff and patients (local accounts, OpenID Connect) and the steps after the first factor."""
