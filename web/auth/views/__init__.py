"""Login screens: staff login and Min profil, Byt lösenord, OpenID Connect for staff and patients, tvåstegsverifiering (TOTP)."""
