"""Who is logging in: staff and patient login, sessions, passwords and their policy, OIDC, TOTP.

Three layers: `views` (the login screens), `login` (identity providers and the steps of a login) and
`core` (building blocks the services use: password hashing and policy, the session store, identity
settings with the levels of assurance). Nothing is imported here, so a service that imports
`web.auth.core` never loads a view.
"""
