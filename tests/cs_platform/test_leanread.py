"""Hand-written reads of hot pages (cs_platform.leanread): the tenant in scope, model instances
as the ORM makes them."""

import pytest

from cs_platform.leanread import lean_model, lean_models, lean_rows
from cs_platform.scoping import TenantScopeError, tenant_scope
from healthscore.models import HealthScore, ScorecardVersion
from tests.factories import AccountFactory
from tests.healthscore.factories import HealthScoreFactory

pytestmark = pytest.mark.django_db

SQL = (
    "SELECT s.id, s.tenant_id, s.account_id, s.day, s.score, s.band, s.components,"
    " v.id AS version__id, v.definition AS version__definition"
    " FROM healthscore_healthscore s JOIN healthscore_scorecardversion v ON v.id = s.version_id"
    " WHERE s.tenant_id = %(tenant)s ORDER BY s.id"
)


def test_rows_are_models_as_the_orm_reads_them(tenant, other_tenant):
    with tenant_scope(other_tenant):
        HealthScoreFactory(account=AccountFactory())
    with tenant_scope(tenant):
        made = HealthScoreFactory(account=AccountFactory(), components={"usage": {"points": 40}})
        rows = lean_rows(SQL)
        assert len(rows) == 1  # the tenant in scope only
        score = lean_model(HealthScore, rows[0])
        version = lean_model(ScorecardVersion, rows[0], "version__")
        orm = HealthScore.objects.select_related("version").get()
        assert (score.pk, score.account_id, score.day, score.score, score.band) == (
            orm.pk,
            orm.account_id,
            orm.day,
            orm.score,
            orm.band,
        )
        assert score.components == made.components  # JSON decoded
        assert version.definition == orm.version.definition
        assert score.get_band_display() == orm.get_band_display()
        assert not score._state.adding
        # What was not selected is deferred: read on first access, as `.only()` does.
        assert "computed_at" in score.get_deferred_fields()
        assert score.computed_at == orm.computed_at
        assert [s.pk for s in lean_models(HealthScore, SQL)] == [orm.pk]


def test_a_read_needs_a_tenant_in_scope(tenant):
    with pytest.raises(TenantScopeError):
        lean_rows(SQL)


def test_a_read_that_does_not_filter_on_the_tenant_is_refused(tenant):
    with tenant_scope(tenant), pytest.raises(ValueError, match="tenant in scope"):
        lean_rows("SELECT id FROM accounts_account ORDER BY id")
