# Read by the `flask` command on a developer's clone. Production sets PORTAL_ENV=production
# (and SECRET_KEY, DATABASE_URL, ...) in the real environment, which takes precedence.
PORTAL_ENV=development
