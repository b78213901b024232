"""The backtest on synthetic data with a known answer.

The world: accounts scored every Monday for ~14 months by a two-component scorecard. The
`signal` component's points drop in the 90 days before an account churns (with noise); the
`noise` component is random. So the score must predict churn, the signal component must
carry the AUC and the weight, the noise component must get about none.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from accounts.models import Account, Contract, ContractStatus
from healthscore import evaluation
from healthscore.models import BacktestRun, HealthScore, Scorecard
from healthscore.services import backtest as bt
from healthscore.services.scorecards import scorecard_create, scorecard_definition_validate


def _definition(signal: int = 50, noise: int = 50) -> dict:
    ranges = {"type": "ranges", "ranges": [{"min": 0, "points": 0}]}
    return {
        "bands": {"green": 60, "amber": 40},
        "groups": [],
        "components": [
            {"key": "signal", "label": "Signal", "measure": "active_days", "weight": signal,
             "group": None, "params": {"days": 30}, "scheme": ranges},
            {"key": "noise", "label": "Noise", "measure": "engagement", "weight": noise,
             "group": None, "params": {"days": 30}, "scheme": ranges},
        ],
    }  # fmt: skip


def _world(
    *, accounts: int = 500, churn_share: float = 0.35, seed: int = 7, signal: bool = True
) -> tuple[Scorecard, dt.date]:
    """Accounts, contracts (churned ones cancelled on their churn day, downsold ones renewed
    at a lower ARR), and a year of Monday scores of one published version."""
    rng = np.random.default_rng(seed)
    today = timezone.localdate()
    start = today - dt.timedelta(days=430)
    card = scorecard_create(name="Synthetic", draft=_definition(), is_default=True, publish=True)
    version = card.current_version
    Account.objects.bulk_create(
        Account(name=f"Synthetic {i}", external_id=f"syn-{i}", licensed_seats=10)
        for i in range(accounts)
    )
    ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    contracts = []
    for account_id in ids:
        roll = rng.random()
        if roll < churn_share:
            end = today - dt.timedelta(days=int(rng.integers(1, 330)))
            contracts.append(
                Contract(account_id=account_id, plan="P", arr=1000, start_date=start,
                         renewal_date=end, status=ContractStatus.CANCELLED)
            )  # fmt: skip
        else:
            contracts.append(
                Contract(account_id=account_id, plan="P", arr=1000, start_date=start,
                         renewal_date=today + dt.timedelta(days=200))
            )  # fmt: skip
    Contract.objects.bulk_create(contracts)
    mondays = bt.sample_days(first=start, last=today)
    # Set-based, as a year of scores would be written: a normal draw (Box–Muller) around 30
    # points in the 120 days before a churn (when `signal`), around 70 otherwise.
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed / 100])
        cursor.execute(
            "INSERT INTO healthscore_healthscore (tenant_id, account_id, day, version_id,"
            " score, band, components, computed_at)"
            " SELECT %(t)s, a, d, %(v)s, score,"
            "  CASE WHEN score >= 60 THEN 'green' WHEN score >= 40 THEN 'amber' ELSE 'red' END,"
            "  jsonb_build_object('signal', jsonb_build_object('value', 0, 'points', s,"
            "  'weight', 50), 'noise', jsonb_build_object('value', 0, 'points', n,"
            "  'weight', 50)), now()"
            " FROM (SELECT a, d, s, n, round((s * 0.5 + n * 0.5)::numeric, 2)::float8 AS score"
            "  FROM (SELECT a, d, n, round(greatest(0, least(100, raw)))::float8 AS s"
            "   FROM (SELECT c.account_id AS a, d,"
            "    CASE WHEN %(signal)s AND c.status = 'cancelled'"
            "     AND c.renewal_date - d <= 120 THEN 30 ELSE 70 END"
            "     + 18 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS raw,"
            "    floor(random() * 101)::float8 AS n"
            "    FROM accounts_contract c CROSS JOIN unnest(%(days)s::date[]) AS d"
            "    WHERE c.tenant_id = %(t)s"
            "     AND (c.status <> 'cancelled' OR d < c.renewal_date)) raw) pts) scored",
            {"t": card.tenant_id, "v": version.pk, "signal": signal, "days": mondays},
        )
    return card, today


def _run(card: Scorecard, today: dt.date) -> dict:
    card.refresh_from_db()
    return bt.backtest_compute(
        scorecard=card,
        definition=card.current_version.definition,
        version=card.current_version,
        today=today,
    )


# --- the maths ----------------------------------------------------------------------------------


def test_a_random_score_has_an_auc_of_about_one_half():
    rng = np.random.default_rng(1)
    scores = rng.uniform(0, 100, 20_000)
    y = (rng.random(20_000) < 0.1).astype(float)
    result = evaluation.roc_auc_ci(scores, y, np.arange(20_000) // 10)
    assert abs(result["value"] - 0.5) < 0.03
    assert result["low"] < 0.5 < result["high"]


def test_auc_counts_a_lower_score_for_a_churner_as_a_correct_ranking():
    assert evaluation.roc_auc([10, 20, 80, 90], [1, 1, 0, 0]) == 1.0
    assert evaluation.roc_auc([80, 90, 10, 20], [1, 1, 0, 0]) == 0.0
    assert evaluation.roc_auc([50, 50, 50, 50], [1, 0, 1, 0]) == 0.5
    assert evaluation.roc_auc([1, 2, 3], [0, 0, 0]) is None


def test_auc_matches_scikit_learn_with_ties():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    scores = rng.integers(0, 20, 5000).astype(float)
    y = (rng.random(5000) < 0.3 + scores / 100).astype(float)
    assert evaluation.roc_auc(scores, y) == pytest.approx(roc_auc_score(y, -scores))


def test_whole_weights_are_integers_that_sum_to_one_hundred():
    weights = evaluation.whole_weights({"a": 33.4, "b": 33.3, "c": 33.3, "d": 0.0})
    assert sum(weights.values()) == 100
    assert weights["d"] == 0
    assert all(isinstance(v, int) for v in weights.values())


def test_a_pure_noise_component_gets_no_weight_and_the_planted_one_all_of_it():
    rng = np.random.default_rng(5)
    n = 30_000
    signal = rng.uniform(0, 100, n)
    noise = rng.uniform(0, 100, n)
    risk = 1 / (1 + np.exp(-(1.5 - signal / 20)))
    y = (rng.random(n) < risk).astype(float)
    weights = evaluation.fit_weights(pd.DataFrame({"signal": signal, "noise": noise}), y)
    assert weights["signal"] > 98
    assert weights["noise"] < 2


# --- the backtest of a stored version -----------------------------------------------------------


@pytest.fixture
def world(scoped):
    return _world()


def test_backtest_of_a_version_recovers_the_planted_signal(world):
    card, today = world
    result = _run(card, today)
    assert result["source"] == "stored"
    ninety = result["horizons"][0]
    assert ninety["horizon"] == 90
    churn = ninety["churn"]
    assert churn["enough"] is True
    assert churn["events"] >= 50
    assert churn["auc"]["value"] > 0.7
    assert churn["auc"]["low"] < churn["auc"]["value"] < churn["auc"]["high"]
    components = {c["key"]: c["auc"] for c in churn["components"]}
    assert components["signal"] > 0.8
    assert abs(components["noise"] - 0.5) < 0.05
    rates = {row["band"]: row["rate"] for row in churn["bands"]}
    assert rates["red"] > rates["amber"] > rates["green"]
    deciles = churn["deciles"]
    assert len(deciles) == 10
    assert deciles[0]["rate"] > deciles[-1]["rate"]
    assert sum(d["samples"] for d in deciles) == churn["samples"]
    points = churn["calibration"]["points"]
    for point in points:
        assert abs(point["predicted"] - point["observed"]) < 0.12
    assert ninety["segments"][0]["samples"] == churn["samples"]
    assert ninety["phases"] == [] or sum(p["samples"] for p in ninety["phases"]) == churn["samples"]


def test_only_days_whose_horizon_has_passed_and_customers_are_sampled(world):
    card, today = world
    result = _run(card, today)
    for horizon in result["horizons"]:
        last = max(dt.date.fromisoformat(d) for d in horizon["days"])
        assert last <= today - dt.timedelta(days=horizon["horizon"])
    # A churned account's days after its churn are never samples: every sample was a customer.
    ninety = result["horizons"][0]["churn"]
    customers = HealthScore.objects.filter(
        day__lte=today - dt.timedelta(days=90),
        day__in=[dt.date.fromisoformat(d) for d in result["horizons"][0]["days"]],
    ).count()
    assert ninety["samples"] == customers
    assert result["horizons"][1]["churn"]["samples"] < ninety["samples"]


def test_the_suggestion_keeps_the_signal_drops_the_noise_and_beats_the_current_weights(world):
    card, today = world
    suggestion = _run(card, today)["suggestion"]
    assert suggestion["available"] is True
    weights = {w["key"]: w for w in suggestion["weights"]}
    assert weights["signal"]["current"] == 50
    assert weights["signal"]["suggested"] >= 95
    assert weights["noise"]["suggested"] <= 5
    definition = suggestion["definition"]
    assert sum(c["weight"] for c in definition["components"]) == 100
    assert all(isinstance(c["weight"], int) for c in definition["components"])
    scorecard_definition_validate(definition=definition)
    assert suggestion["suggested"]["auc"]["value"] > suggestion["current"]["auc"]["value"]
    assert dt.date.fromisoformat(suggestion["split"]) <= today - dt.timedelta(days=90)


def test_no_outcome_after_the_split_can_reach_the_training_labels(world):
    """Leakage is impossible by construction: rewriting every outcome after the split day
    changes nothing in the training set or in the fitted weights."""
    _card, today = world
    frame = pd.DataFrame(
        list(HealthScore.objects.values_list("account_id", "day", "score")),
        columns=["account_id", "day", "score"],
    )
    frame["on"] = pd.to_datetime(frame["day"])
    events = bt._events_frame(bt.contract_outcome_rows())
    split = today - dt.timedelta(days=150)
    train = bt._training_labels(frame, events, split=split, horizon=90)
    assert train["day"].max() <= split - dt.timedelta(days=90)
    # Every account churns the day after the split, and every churn after it vanishes.
    before = events[events["on"] <= pd.Timestamp(split)]
    flipped = pd.concat(
        [
            before,
            pd.DataFrame(
                {
                    "account_id": frame["account_id"].unique(),
                    "on": pd.Timestamp(split + dt.timedelta(days=1)),
                    "kind": "churned",
                }
            ),
        ]
    )
    again = bt._training_labels(frame, flipped, split=split, horizon=90)
    assert again["y"].tolist() == train["y"].tolist()
    assert train["y"].sum() > 0


def test_the_suggested_weights_do_not_move_when_the_test_period_outcomes_change(world):
    card, today = world
    result = _run(card, today)
    split = dt.date.fromisoformat(result["suggestion"]["split"])
    # Cancel every still-active contract the day after the split: the test period changes.
    Contract.objects.filter(status=ContractStatus.ACTIVE).update(
        status=ContractStatus.CANCELLED, renewal_date=split + dt.timedelta(days=1)
    )
    again = _run(card, today)
    assert again["suggestion"]["split"] == result["suggestion"]["split"]
    assert again["suggestion"]["definition"] == result["suggestion"]["definition"]
    assert again["suggestion"]["current"] != result["suggestion"]["current"]


def test_a_random_score_backtests_at_about_one_half(scoped):
    card, today = _world(signal=False, seed=11)
    churn = _run(card, today)["horizons"][0]["churn"]
    assert abs(churn["auc"]["value"] - 0.5) < 0.06
    # A 95 % interval misses the truth one time in twenty; allow for the sampling of the day.
    assert churn["auc"]["low"] - 0.02 < 0.5 < churn["auc"]["high"] + 0.02


def test_too_few_churn_events_say_not_enough_instead_of_a_number(scoped):
    card, today = _world(accounts=40, churn_share=0.05, seed=3)
    result = _run(card, today)
    churn = result["horizons"][0]["churn"]
    assert churn["enough"] is False
    assert "auc" not in churn
    assert churn["samples"] > 0
    assert churn["events"] < result["min_events"]
    assert result["suggestion"]["available"] is False


def test_outcomes_are_read_from_the_contracts(scoped):
    from accounts.selectors import contract_outcome_rows

    account = Account.objects.create(name="A", external_id="a")
    first = Contract.objects.create(
        account=account, plan="P", arr=1000, start_date=dt.date(2025, 1, 1),
        renewal_date=dt.date(2026, 1, 1), status=ContractStatus.RENEWED,
    )  # fmt: skip
    Contract.objects.create(
        account=account, plan="P", arr=800, start_date=dt.date(2026, 1, 1),
        renewal_date=dt.date(2027, 1, 1), previous=first, status=ContractStatus.CANCELLED,
    )  # fmt: skip
    assert sorted(contract_outcome_rows()) == [
        (account.pk, dt.date(2026, 1, 1), "downsold"),
        (account.pk, dt.date(2027, 1, 1), "churned"),
    ]


# --- runs, cache, adoption ----------------------------------------------------------------------


def test_a_second_request_on_unchanged_data_returns_the_cached_run(world):
    card, _today = world
    run, created = bt.backtest_request(scorecard=card, version=card.current_version)
    assert created
    bt.backtest_execute(run=run)
    run.refresh_from_db()
    assert run.status == "done" and run.progress == 100
    again, created_again = bt.backtest_request(scorecard=card, version=card.current_version)
    assert (again.pk, created_again) == (run.pk, False)
    Contract.objects.filter(pk=Contract.objects.first().pk).update(arr=1)
    fresh, created_fresh = bt.backtest_request(scorecard=card, version=card.current_version)
    assert created_fresh and fresh.pk != run.pk


def test_adopting_the_suggestion_writes_the_draft_which_then_publishes(world):
    from healthscore.services.scorecards import scorecard_publish

    card, _today = world
    run, _ = bt.backtest_request(scorecard=card, version=card.current_version)
    run = bt.backtest_execute(run=run)
    card = bt.backtest_adopt(run=run)
    assert card.draft == run.result["suggestion"]["definition"]
    version = scorecard_publish(scorecard=card)
    assert version.number == 2


def test_a_run_without_a_suggestion_cannot_be_adopted(scoped):
    card, _today = _world(accounts=40, churn_share=0.05, seed=3)
    run, _ = bt.backtest_request(scorecard=card, version=card.current_version)
    run = bt.backtest_execute(run=run)
    with pytest.raises(ValidationError):
        bt.backtest_adopt(run=run)
    assert BacktestRun.objects.get(pk=run.pk).status == "done"


def test_the_bootstrap_replicates_are_the_weighted_aucs_of_their_account_weights():
    """The one-product bootstrap gives, per replicate, exactly the AUC of the samples weighted
    by their account's Poisson draw (checked against a replicate-by-replicate computation)."""
    rng = np.random.default_rng(3)
    n, accounts = 3000, 400
    members = rng.integers(0, accounts, n)
    scores = np.round(rng.uniform(0, 100, n), 2)
    y = (rng.random(n) < np.where(scores < 40, 0.3, 0.1)).astype(float)
    ranked = evaluation._Ranked(scores)
    draws = evaluation.bootstrap_aucs(ranked.codes, y, members, accounts, replicates=7, seed=5)
    weights = evaluation._poisson_block(np.random.default_rng(5), accounts, 7)
    expected = [ranked.auc(y, weights[:, k][members].astype(float)) for k in range(7)]
    assert draws == pytest.approx(expected, abs=1e-9)
    many = evaluation._poisson_block(np.random.default_rng(1), 100_000, 2)  # Poisson(1)
    assert many.mean() == pytest.approx(1.0, abs=0.01)
    assert many.var() == pytest.approx(1.0, abs=0.02)
    assert (many == 0).mean() == pytest.approx(np.exp(-1), abs=0.005)


def test_a_large_portfolio_samples_every_kth_monday_and_says_so(world, monkeypatch):
    card, today = world
    full = _run(card, today)
    assert full["sample_every_weeks"] == 1
    monkeypatch.setattr(bt, "MAX_SAMPLES", 6000)
    thinned = _run(card, today)
    assert thinned["sample_every_weeks"] > 1
    assert thinned["sample_days"] < full["sample_days"]
    days = [dt.date.fromisoformat(d) for d in thinned["horizons"][0]["days"]]
    gaps = {(b - a).days for a, b in itertools.pairwise(days)}
    assert gaps == {7 * thinned["sample_every_weeks"]}
    assert thinned["horizons"][0]["churn"]["samples"] <= 6000
    assert thinned["horizons"][0]["churn"]["auc"]["value"] > 0.7


def test_a_drafts_cached_result_is_dropped_when_a_meeting_or_a_contact_changes(world):
    from accounts.models import Contact
    from tests.journeys.factories import MeetingContactFactory

    card, _today = world
    run, created = bt.backtest_request(scorecard=card, version=None)
    assert created
    bt.backtest_execute(run=run)
    assert bt.backtest_request(scorecard=card, version=None) == (run, False)
    account = Account.objects.first()
    contact = Contact.objects.create(account=account, name="New", relationship_level="executive")
    second, created = bt.backtest_request(scorecard=card, version=None)
    assert created
    bt.backtest_execute(run=second)
    MeetingContactFactory(meeting__account=account, contact=contact)
    _third, created = bt.backtest_request(scorecard=card, version=None)
    assert created
    # A version's stored scores do not read meetings: its cache stays.
    version_run, _ = bt.backtest_request(scorecard=card, version=card.current_version)
    bt.backtest_execute(run=version_run)
    MeetingContactFactory(meeting__account=account, contact=contact)
    assert bt.backtest_request(scorecard=card, version=card.current_version) == (
        version_run,
        False,
    )
