"""Demo seeding (`manage.py seed_demo`): sample tenants, users and months of data.

Only the seed command imports this package; no production module may (import-linter contract
"Production code never imports the demo" in pyproject.toml).
"""
