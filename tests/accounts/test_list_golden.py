"""The account list page, byte for byte, held against the page as the template-rendered filter
form and table wrote it (issue #16: the page's Python is cut; what it shows may not change).

The files in `list_golden/` were written from the rendering before the change: the whole
`<main>` of each view (filters, saved views, bulk-action form, table, pager) in ja and en.
Ids, CSRF tokens, page cursors and dates (relative to the pinned clock) are put back as
placeholders, so the page must match them at any instant.

Write them again (only on purpose):
    LIST_GOLDEN_WRITE=1 pytest tests/accounts/test_list_golden.py
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from cs_platform.scoping import tenant_scope
from healthscore.models import HealthScoreNow
from journeys.services import phase_transition, phases_seed_defaults
from tests.factories import AccountFactory, ContractFactory, SavedViewFactory, SegmentFactory
from tests.healthscore.factories import HealthScoreFactory, ScorecardVersionFactory
from tests.touchmodel.factories import RuleFactory
from touchmodel.services.tiers import tier_override

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "list_golden"
PAGE = 6
OFFSETS = range(-400, 400)


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch):
    monkeypatch.setattr("accounts.views.PAGE_SIZE", PAGE)


# name | industry | market segment | lifecycle | owner | ARR | renewal in days | phase | band | tier
ACCOUNTS = """
株式会社みなと物流|物流|enterprise|active|manager|9000000|20|adoption|amber|high
A&B <株式会社>||enterprise|active|csm|12500000|45|onboarding|amber|
Ωmega "quoted" 'x'|IT|mid_market|paused||0|80||red|
さくら商事|商社|smb|churned|manager|300000|-5|renewal|green|tech
株式会社さくら工業|製造|enterprise|active|csm|4000000|95|||low
東西フーズ|食品||active|||||amber|
Zeta Labs|SaaS|smb|active|manager|1000000|60|adoption|green|
株式会社あおば物流|物流|enterprise|active|manager|9000000|30|onboarding|amber|high
いろは電機|製造|mid_market|active|csm|2200000|150|renewal|red|
Beta & Sons||enterprise|paused|csm|7700000|10||amber|low
かもめ運輸|物流|smb|active||500000|89|adoption||
Delta <Corp>|IT|enterprise|active|manager|3300000|365||green|tech
ひかり薬品|医薬|mid_market|active|manager|6100000|5|onboarding|amber|
Kappa||smb|churned||100|0|||
株式会社いちご|小売|smb|active|manager|800000|40|adoption|green|
株式会社ふたば <本社>||mid_market|active|csm|800000|40||red|
有限会社株式研究所|研究|enterprise|paused|||||amber|high
"""
SCORES = {"red": 31.5, "amber": 55.4, "green": 81.6}


def _account(i: int, spec: str, users: dict, phases: dict, version) -> int:
    name, industry, segment, status, owner, arr, days, phase, band, tier = spec.split("|")
    today = timezone.localdate()
    account = AccountFactory(
        name=name,
        external_id=f"ext-{i:02d}",
        industry=industry,
        market_segment=segment,
        lifecycle_status=status,
        owner=users.get(owner),
    )
    if arr:
        ContractFactory(
            account=account,
            arr=int(arr),
            start_date=today - dt.timedelta(days=500),
            renewal_date=today + dt.timedelta(days=int(days)),
        )
    if phase:
        phase_transition(account=account, to_phase=phases[phase], actor=users["manager"])
    if band:
        day = today - dt.timedelta(days=1)
        score = SCORES[band] + i / 10
        HealthScoreFactory(account=account, version=version, day=day, score=score, band=band)
    if tier:
        tier_override(account=account, tier=tier, user=users["manager"], reason="golden")
    if i == 1:  # an intra-day score newer than the nightly one
        HealthScoreNow.objects.create(
            account=account,
            day=today,
            version=version,
            score=70.4,
            band="green",
            computed_at=timezone.now(),
        )
    return account.pk


def _world(tenant, manager, csm, viewer) -> dict[str, dict[int, str]]:
    """Accounts in every state a row shows, the filters' choices, saved views and the bulk
    actions' values; {kind: {id: label}} for the ids the page writes."""
    manager.full_name = "マネージャー <M&A>"
    manager.save()
    csm.full_name = ""  # shown by e-mail
    csm.save()
    viewer.full_name = "Yamada 'Viewer'"
    viewer.save()
    users = {"manager": manager, "csm": csm, "viewer": viewer}
    labels: dict[str, dict[int, str]] = {"a": {}, "s": {}, "v": {}, "r": {}}
    labels["u"] = {user.pk: label for label, user in users.items()}
    with tenant_scope(tenant):
        phases = {p.key: p for p in phases_seed_defaults()}
        version = ScorecardVersionFactory()
        for i, spec in enumerate(ACCOUNTS.strip().splitlines()):
            labels["a"][_account(i, spec, users, phases, version)] = f"a{i}"
        segments = [
            SegmentFactory(name="大口 <enterprise>", rules={"market_segments": ["enterprise"]}),
            SegmentFactory(name="Renewal & soon", rules={"renewal_within_days": 90}),
        ]
        labels["s"] = {segment.pk: f"s{i}" for i, segment in enumerate(segments)}
        views = [
            SavedViewFactory(owner=manager, name="自分の <ビュー>", query="sort=-arr&x_tier=high"),
            SavedViewFactory(
                owner=csm, name="Team & shared", query="sort=renewal_date&renewal=90", shared=True
            ),
            SavedViewFactory(owner=manager, name="共有中", query="sort=phase", shared=True),
            SavedViewFactory(owner=csm, name="not shared", query="sort=name"),
        ]
        labels["v"] = {view.pk: f"v{i}" for i, view in enumerate(views)}
        rule = RuleFactory(name_ja="更新フォロー", name_en="Renewal <follow>")
        labels["r"] = {rule.pk: "r0"}
    return labels


def _main(body: str) -> str:
    return body[body.index("<main>") : body.index("</main>") + len("</main>")] + "\n"


def _date_labels(language: str) -> dict[str, str]:
    today = timezone.localdate()
    labels = {}
    for days in OFFSETS:
        labels[(today + dt.timedelta(days=days)).isoformat()] = f"{{d{days:+d}}}"
    with translation.override(language):
        labels[date_format(timezone.localtime(), "H:i")] = "{now}"
    return labels


def _cursor(token: str, labels: dict[str, dict[int, str]], dates: dict[str, str]) -> str:
    """A page cursor as its values, the account id labelled and dates relative."""
    values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    *keys, pk = values
    shown = [dates.get(v["d"], v["d"]) if isinstance(v, dict) and "d" in v else v for v in keys]
    return "{cursor:" + json.dumps([*shown, labels["a"][pk]], ensure_ascii=False) + "}"


SELECT_KINDS = {
    "owner": "u",
    "value_assign_owner": "u",
    "segment": "s",
    "value_add_to_segment": "s",
    "value_start_playbook": "r",
}


def _normalised(html: str, labels: dict[str, dict[int, str]], language: str) -> str:
    dates = _date_labels(language)

    def label(kind: str, pk: str) -> str:
        return "{" + labels[kind][int(pk)] + "}"

    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1{csrf}", html)
    html = re.sub(r"/accounts/(\d+)/", lambda m: f"/accounts/{label('a', m[1])}/", html)
    html = re.sub(r"/views/(\d+)/", lambda m: f"/views/{label('v', m[1])}/", html)
    html = re.sub(r'(name="ids" value=")(\d+)', lambda m: m[1] + label("a", m[2]), html)
    html = re.sub(
        r"((?:after|before)=)([A-Za-z0-9_-]+)",
        lambda m: m[1] + _cursor(m[2], labels, dates),
        html,
    )
    html = re.sub(
        r"\b(owner|segment)=(\d+)", lambda m: f"{m[1]}={label(SELECT_KINDS[m[1]], m[2])}", html
    )

    html = re.sub(
        r'<select name="([a-z_]+)"[^>]*>.*?</select>',
        lambda m: _select(m, labels),
        html,
        flags=re.S,
    )
    for day, text in dates.items():
        html = html.replace(day, text)
    return html


def _select(m: re.Match, labels: dict[str, dict[int, str]]) -> str:
    kind = SELECT_KINDS.get(m[1])
    if kind is None:
        return m[0]
    return re.sub(r'value="(\d+)"', lambda o: 'value="{' + labels[kind][int(o[1])] + '}"', m[0])


VIEWS = {
    "default": "",
    "arr_enterprise_amber": "?sort=-arr&market_segment=enterprise&x_health_band=amber",
    "renewal_90": "?sort=renewal_date&renewal=90",
    "search": "?q=株式",
    "search_sorted": "?q=さくら&sort=name",
    "phase": "?sort=phase",
    "tier_reverse_in_phase": "?sort=-tier&x_phase=20",
    "health_reverse": "?sort=-health_band",
    "owner_and_segment": "?owner={csm}&segment={s0}&sort=-renewal_date",
    "lifecycle_and_market": "?lifecycle_status=paused&sort=market_segment",
    "saved_view": "?sort=-arr&x_tier=high",
    "empty": "?q=該当なしzzz",
    "refused": "?renewal=7&sort=bogus",
}


def _get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _check(name: str, body: str, labels: dict[str, dict[int, str]], language: str) -> None:
    got = _normalised(_main(body), labels, language)
    golden = GOLDEN / f"{name}.{language}.html"
    if os.environ.get("LIST_GOLDEN_WRITE"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(got)
    assert got == golden.read_text(), name


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_list_is_byte_identical_to_the_template_rendering(
    tenant, manager_user, csm_user, viewer_user, language
):
    labels = _world(tenant, manager_user, csm_user, viewer_user)
    ids = {f"{{{v}}}": str(k) for kind in labels.values() for k, v in kind.items()}
    ids["{csm}"] = str(csm_user.pk)
    base = reverse("accounts:list", kwargs={"tenant_slug": tenant.slug})
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(manager_user)
    for name, query in VIEWS.items():
        for placeholder, pk in ids.items():
            query = query.replace(placeholder, pk)
        body = _get(client, base + query)
        _check(name, body, labels, language)
        if name in ("default", "phase", "search"):
            # The next page, and back from it (the cursors of both links).
            after = re.search(r'href="(\?[^"]*after=[^"]+)"', body)
            assert after is not None, name
            page2 = _get(client, base + after[1].replace("&amp;", "&"))
            _check(f"{name}_page2", page2, labels, language)
            before = re.search(r'href="(\?[^"]*before=[^"]+)"', page2)
            assert before is not None, name
            _check(
                f"{name}_page2_back",
                _get(client, base + before[1].replace("&amp;", "&")),
                labels,
                language,
            )
    # A viewer: no bulk actions, no edit buttons, no sharing; the saved views they may open.
    viewer = Client(HTTP_ACCEPT_LANGUAGE=language)
    viewer.force_login(viewer_user)
    _check("viewer", _get(viewer, base + "?sort=-arr"), labels, language)
