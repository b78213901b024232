"""What every database connection of the application is set up with."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_connections_run_without_jit_compilation():
    # The pages' plans estimate high and run in milliseconds; JIT would compile them on
    # every view (0.6 s of an account-list view at 100,000 accounts).
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
