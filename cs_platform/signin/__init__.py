"""Sign-in protection: lockout after repeated failures (django-axes), its unlock, and the pages
around signing in (password change and reset, two-factor)."""
