"""The scorecard editor's live preview at 10,000 / 100,000 accounts: seconds per preview.

Uses the configured database and Redis. For each size it builds a bench tenant with 90 days of
usage rollups (as `bench_recompute.py` does), scores it once (the preview compares the draft
with the published version on the latest scored day), then times, as the application's role
under row-level security:

- `cold`: the first preview of a draft (nothing cached: the accounts and their measures are
  read from the database);
- `edit`: the preview of the next edit (another weight): the measures are cached for the data
  version, only the scoring runs;
- `same`: the same draft again (the htmx `change` after an `input`, an undo): the whole result
  is cached;
- `after write`: the next preview once an account has changed (the data version moved);
- `exact`: the preview page after saving (every account, not a sample; cold).

The editor's previews are sampled above `HEALTH_PREVIEW_SAMPLE` accounts (5,000).

It prints each figure with the number of accounts the preview read (a sampled preview says how
many of how many), then removes the bench tenant.

    python bench/bench_preview.py [--sizes 10000,100000] [--edits 5] [--keep]
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cs_platform.settings.dev")
os.environ["DEBUG"] = "false"

from bench_recompute import _generate  # sets Django up
from django.db import connection, transaction
from django.utils import timezone

from cs_platform.models import Tenant
from cs_platform.rls import owner_connection
from cs_platform.scoping import tenant_scope
from cs_platform.services import tenant_create, tenant_delete
from healthscore.models import Scorecard
from healthscore.services.preview import scorecard_preview
from healthscore.services.recompute import recompute_job_create, recompute_job_run_sync

SLUG = "bench-preview-{n}"


def _draft(card: Scorecard, step: int) -> dict:
    """The published definition with the first two components' weights moved by `step`."""
    draft = copy.deepcopy(card.current_version.definition)
    first, second = draft["components"][0], draft["components"][1]
    moved = min(step, first["weight"])
    first["weight"] -= moved
    second["weight"] += moved
    return draft


def _timed(card: Scorecard, draft: dict, *, sample: bool = True) -> tuple[float, dict]:
    """One preview as the editor asks for it (sampled on a large tenant), or exact."""
    started = time.monotonic()
    preview = scorecard_preview(scorecard=card, definition=draft, sample=sample)
    return time.monotonic() - started, preview


def _read(preview: dict) -> str:
    sample = preview.get("sample")
    if sample:
        return f"{sample['read']:,} of {sample['of']:,} accounts (sampled)"
    return f"{preview['accounts']:,} accounts"


def _build(n: int, keep: bool) -> Tenant:
    """The bench tenant of `n` accounts, scored once (reused as it is with `keep`)."""
    kept = Tenant.objects.filter(slug=SLUG.format(n=n)).first()
    if kept is not None and keep:
        print(f"  {n:>7} accounts: reusing the kept bench tenant")
        return kept
    if kept is not None:
        tenant_delete(tenant=kept)
    tenant = tenant_create(name=f"Bench preview {n}", slug=SLUG.format(n=n))
    with tenant_scope(tenant), timezone.override(tenant.tzinfo):
        started = time.monotonic()
        with owner_connection(), transaction.atomic():
            _generate(tenant, n)
        print(f"  {n:>7} accounts: rollups generated in {time.monotonic() - started:.1f}s")
        started = time.monotonic()
        recompute_job_run_sync(job=recompute_job_create(day=timezone.localdate()))
        print(f"  {n:>7} accounts: scored once in {time.monotonic() - started:.1f}s")
    return tenant


def bench(n: int, edits: int, keep: bool) -> dict[str, list[float]]:
    tenant = _build(n, keep)
    times: dict[str, list[float]] = {
        "cold": [],
        "edit": [],
        "same": [],
        "after write": [],
        "exact": [],
    }
    try:
        with tenant_scope(tenant), timezone.override(tenant.tzinfo):
            card = Scorecard.objects.get(is_default=True)
            elapsed, preview = _timed(card, _draft(card, 1))
            times["cold"].append(elapsed)
            print(f"  cold preview: {elapsed:.2f}s, read {_read(preview)}")
            for step in range(2, 2 + edits):
                elapsed, preview = _timed(card, _draft(card, step))
                times["edit"].append(elapsed)
                elapsed, _same = _timed(card, _draft(card, step))
                times["same"].append(elapsed)
            print(
                f"  next edits: median {median(times['edit']):.3f}s, the same draft again "
                f"median {median(times['same']):.3f}s, read {_read(preview)}"
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE accounts_account SET licensed_seats = licensed_seats + 1"
                    " WHERE id = (SELECT min(id) FROM accounts_account WHERE tenant_id = %s)",
                    [tenant.pk],
                )
            elapsed, preview = _timed(card, _draft(card, 2))
            times["after write"].append(elapsed)
            print(f"  after a write: {elapsed:.2f}s, read {_read(preview)}")
            elapsed, preview = _timed(card, _draft(card, 3), sample=False)
            times["exact"].append(elapsed)
            print(f"  exact (the preview page after saving): {elapsed:.2f}s, read {_read(preview)}")
        return times
    finally:
        if not keep:
            tenant_delete(tenant=tenant)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument(
        "--keep", action="store_true", help="keep the bench tenants and reuse kept ones"
    )
    args = parser.parse_args()
    print(f"Live preview bench (load average {os.getloadavg()[0]:.1f}):")
    for n in args.sizes.split(","):
        times = bench(int(n), args.edits, args.keep)
        print(
            "RESULT preview {n} accounts: cold {cold:.2f}s, next edit {edit:.3f}s, same draft "
            "{same:.3f}s, after a write {write:.2f}s; exact {exact:.2f}s "
            "(load average {load:.1f})".format(
                n=int(n),
                cold=median(times["cold"]),
                edit=median(times["edit"]),
                same=median(times["same"]),
                write=median(times["after write"]),
                exact=median(times["exact"]),
                load=os.getloadavg()[0],
            )
        )


if __name__ == "__main__":
    main()
