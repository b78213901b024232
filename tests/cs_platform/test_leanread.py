"""Hand-written reads of hot pages (cs_platform.leanread): the tenant in scope, model instances
as the ORM makes them."""

import pytest
from django.db import connection
from django.db.models.signals import post_init

from accounts.models import Account
from cs_platform.leanread import (
    lean_call,
    lean_instances,
    lean_json_model,
    lean_json_model_or_none,
    lean_json_models,
    lean_maker,
    lean_model,
    lean_models,
    lean_rows,
)
from cs_platform.scoping import TenantScopeError, tenant_scope
from healthscore.models import HealthScore, ScorecardVersion
from tests.factories import AccountFactory
from tests.healthscore.factories import HealthScoreFactory
from touchmodel.models import TouchSettings

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


def _account_row(tenant_id: int) -> dict:
    sql = (
        "SELECT id, tenant_id, name, owner_id, current_arr FROM accounts_account"
        " WHERE tenant_id = %(tenant)s"
    )
    return lean_rows(sql)[0]


def test_an_instance_is_what_from_db_makes_without_model_init(tenant, csm_user, monkeypatch):
    with tenant_scope(tenant):
        AccountFactory(name="さくら", owner=csm_user)
        row = _account_row(tenant.pk)
        names = list(row)
        orm = Account.from_db(connection.alias, names, [row[n] for n in names])

        def refused(*args, **kwargs):
            raise AssertionError("Model.__init__ runs over every field of the model")

        monkeypatch.setattr(Account, "__init__", refused)
        lean = lean_model(Account, row)
        monkeypatch.undo()
        assert type(lean) is Account
        assert {k: v for k, v in vars(lean).items() if k != "_state"} == {
            k: v for k, v in vars(orm).items() if k != "_state"
        }
        assert (lean._state.adding, lean._state.db) == (False, orm._state.db)
        assert lean.get_deferred_fields() == orm.get_deferred_fields()
        assert lean.owner == csm_user  # the relation read on access
        assert lean.industry == orm.industry  # a deferred field read on access


def test_a_model_with_an_init_receiver_is_made_by_from_db(tenant):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.pk)

    post_init.connect(receiver, sender=Account, weak=False, dispatch_uid="test_lean")
    try:
        with tenant_scope(tenant):
            account = AccountFactory()
            seen.clear()
            assert lean_model(Account, _account_row(tenant.pk)).pk == account.pk
    finally:
        post_init.disconnect(sender=Account, dispatch_uid="test_lean")
    assert seen == [account.pk]


def test_a_maker_makes_each_row_as_lean_model_does(tenant, csm_user):
    """`lean_maker` works out a statement's columns once: each row's instance is the one
    `lean_model` makes (JSON decoded, a prefix, deferred fields), from `from_db` or not."""
    with tenant_scope(tenant):
        for i in range(2):
            HealthScoreFactory(account=AccountFactory(), components={"usage": {"points": 40 + i}})
        rows = lean_rows(SQL)
        for model, prefix in ((HealthScore, ""), (ScorecardVersion, "version__")):
            make = lean_maker(model, rows[0], prefix)
            for row in rows:
                made, expected = make(row), lean_model(model, row, prefix)
                assert type(made) is model
                assert vars(made).keys() == vars(expected).keys()
                assert {k: v for k, v in vars(made).items() if k != "_state"} == {
                    k: v for k, v in vars(expected).items() if k != "_state"
                }
                assert (made._state.adding, made._state.db) == (False, expected._state.db)
                assert made.get_deferred_fields() == expected.get_deferred_fields()
        seen = []
        post_init.connect(
            lambda sender, instance, **kwargs: seen.append(instance.pk),
            sender=HealthScore,
            weak=False,
            dispatch_uid="test_lean_maker",
        )
        try:
            assert [lean_maker(HealthScore, rows[0])(row).pk for row in rows] == seen
        finally:
            post_init.disconnect(sender=HealthScore, dispatch_uid="test_lean_maker")
        assert seen == [row["id"] for row in rows]


def test_instances_from_kept_values_are_the_instances_they_were_made_from(tenant, csm_user):
    with tenant_scope(tenant):
        AccountFactory(name="さくら", owner=csm_user)
        made = lean_model(Account, _account_row(tenant.pk))
        values = {k: v for k, v in vars(made).items() if k != "_state"}
        (again,) = lean_instances(Account, [values])
        assert type(again) is Account
        assert {k: v for k, v in vars(again).items() if k != "_state"} == values
        assert (again._state.adding, again._state.db) == (False, made._state.db)
        assert again.get_deferred_fields() == made.get_deferred_fields()
        assert again.industry == made.industry  # a deferred field read on access


def test_instances_of_a_model_with_an_init_receiver_are_made_by_from_db(tenant):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.pk)

    post_init.connect(receiver, sender=Account, weak=False, dispatch_uid="test_lean_instances")
    try:
        with tenant_scope(tenant):
            account = AccountFactory(name="さくら")
            seen.clear()
            (made,) = lean_instances(Account, [{"name": "さくら", "id": account.pk}])
    finally:
        post_init.disconnect(sender=Account, dispatch_uid="test_lean_instances")
    assert seen == [account.pk] and made.name == "さくら"


def test_a_row_through_to_jsonb_is_made_with_each_columns_python_type(tenant):
    with tenant_scope(tenant):
        made = HealthScoreFactory(account=AccountFactory(), score=42.0, components={"u": 1.5})
        row = lean_call(
            "SELECT to_jsonb(s) AS score FROM healthscore_healthscore s"
            " WHERE s.tenant_id = %(tenant)s"
        )
        score = lean_json_model(HealthScore, row["score"])
        orm = HealthScore.objects.get(pk=made.pk)
        for name in ("id", "account_id", "day", "version_id", "score", "band", "components"):
            assert (type(getattr(score, name)), getattr(score, name)) == (
                type(getattr(orm, name)),
                getattr(orm, name),
            ), name  # to_jsonb writes the float 42.0 as 42
        assert score.computed_at == orm.computed_at and score.computed_at.tzinfo is not None


def test_a_column_with_no_exact_json_form_is_refused():
    # A decimal through JSON would come back a float: refused, not rounded.
    assert lean_json_model(TouchSettings, {"id": 1}).pk == 1
    with pytest.raises(TypeError, match="no exact conversion"):
        lean_json_model(TouchSettings, {"id": 1, "hours_high": 1.5})


def test_a_missing_related_row_is_none_and_a_present_one_an_instance():
    assert lean_json_model_or_none(TouchSettings, None) is None
    made = lean_json_model_or_none(TouchSettings, {"id": 1})
    assert isinstance(made, TouchSettings) and made.pk == 1


def test_rows_through_to_json_made_together_are_each_made_alone(tenant, csm_user):
    with tenant_scope(tenant):
        accounts = [AccountFactory(name="さくら"), AccountFactory(name="もみじ", owner=csm_user)]
        rows = lean_call(
            "SELECT jsonb_agg(to_jsonb(a) ORDER BY a.id) AS rows FROM accounts_account a"
            " WHERE a.tenant_id = %(tenant)s"
        )["rows"]
    together = lean_json_models(Account, rows)
    alone = [lean_json_model(Account, row) for row in rows]
    assert [a.pk for a in together] == [a.pk for a in accounts]
    assert [vars(a) | {"_state": None} for a in together] == [
        vars(a) | {"_state": None} for a in alone
    ]
    assert together[1].owner_id == csm_user.pk and not together[0]._state.adding
