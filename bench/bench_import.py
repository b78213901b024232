"""Import 10,000 accounts from a Shift_JIS CSV: rows/s for the dry run and the real run.

Runs against the dev database in a throw-away tenant that is deleted afterwards.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cs_platform.settings.dev")

import django

django.setup()

from accounts.importing import run_import  # noqa: E402
from accounts.models import Account  # noqa: E402
from cs_platform.models import Tenant  # noqa: E402
from cs_platform.scoping import tenant_scope  # noqa: E402
from cs_platform.services import tenant_delete  # noqa: E402

ROWS = 10_000
PREFIXES = ["株式会社", "合同会社", "有限会社"]
WORDS = [
    "採用",
    "人材",
    "未来",
    "ひかり",
    "さくら",
    "テクノ",
    "グローバル",
    "ラボ",
    "データ",
    "クラウド",
]
SUFFIXES = ["ホールディングス", "ソリューションズ", "商事", "システムズ", "パートナーズ", ""]
INDUSTRIES = ["人材", "製造", "小売", "IT", "金融", "物流"]


def make_csv(rows: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    lines = ["外部ID,会社名,業種,従業員数,市場セグメント,ライセンス数"]
    for i in range(rows):
        name = rng.choice(PREFIXES) + "".join(rng.sample(WORDS, 2)) + rng.choice(SUFFIXES)
        lines.append(
            f"BENCH-{i:05d},{name}{i},{rng.choice(INDUSTRIES)},{rng.randint(5, 5000)},"
            f"{rng.choice(['エンタープライズ', '中堅', '中小'])},{rng.randint(1, 500)}"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


def timed(label: str, **kwargs: object) -> None:
    started = time.perf_counter()
    report = run_import(kind="accounts", **kwargs)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    assert report.ok, report.errors[:5]
    print(
        f"{label:<22} {report.total_rows:>6} rows in {elapsed:5.2f}s = "
        f"{report.total_rows / elapsed:8.0f} rows/s  "
        f"(created {report.created}, updated {report.updated}, unchanged {report.unchanged})"
    )


def main() -> None:
    data = make_csv(ROWS)
    print(f"CSV: {ROWS} rows, {len(data) / 1024:.0f} KiB, Shift_JIS")
    for stale in Tenant.objects.filter(slug="bench-import"):
        tenant_delete(tenant=stale)
    tenant = Tenant.objects.create(slug="bench-import", name="ベンチマーク株式会社")
    try:
        with tenant_scope(tenant):
            timed("dry run (empty)", data=data, dry_run=True)
            timed("real run (creates)", data=data, dry_run=False)
            timed("real run (unchanged)", data=data, dry_run=False)
            changed = make_csv(ROWS, seed=8)
            timed("dry run (updates)", data=changed, dry_run=True)
            timed("real run (updates)", data=changed, dry_run=False)
            assert Account.objects.count() == ROWS
    finally:
        tenant_delete(tenant=tenant)


if __name__ == "__main__":
    main()
