"""Account 360's first-view reads (one PL/pgSQL function per app) are planned once per
connection from the first call: each runs with `plan_cache_mode = force_generic_plan`, so no
call plans its statements anew (accounts 0028, healthscore 0032, touchmodel 0020, content
0009, 0010)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

FUNCTIONS = (
    "junkan_account_page",
    "junkan_account_health",
    "junkan_account_touch",
    "junkan_account_content",
    "junkan_account_reading",
)


def test_each_first_view_read_keeps_its_generic_plan():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname, proconfig FROM pg_proc WHERE proname = ANY(%s)", [list(FUNCTIONS)]
        )
        config = dict(cursor.fetchall())
    assert set(config) == set(FUNCTIONS)  # one of each
    for name in FUNCTIONS:
        assert "plan_cache_mode=force_generic_plan" in (config[name] or []), name
