"""Building blocks below the services: password hashing, the password policy, the server-side session store, identity settings (OpenID Connect, TOTP, levels of assurance)."""
