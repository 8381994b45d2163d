"""Commands for program authors and translators: validate, outline, simulate, audio build, diff, translations."""
