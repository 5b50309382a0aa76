"""Patient search at 100,000 patients on PostgreSQL: time each kind of query and show its plan.

Run it with `make bench`, which points DATABASE_URL at a PostgreSQL database of its own.
It migrates that database, adds synthetic patients until there are --patients of them,
then times the first results page of each query kind (count + 25 rows), best of N, and
writes bench/PATIENT_SEARCH.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infusionist.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from infusionist.clinics.models import Organization
    from infusionist.patients.models import Patient
    from infusionist.patients.selectors import patient_search

    if connection.vendor != "postgresql":
        sys.exit("bench_patient_search: set DATABASE_URL to a PostgreSQL database.")
    call_command("migrate", verbosity=0)
    org = Organization.objects.filter(slug="synthetic-network").first()
    have = Patient.objects.filter(organization=org).count() if org else 0
    if have < args.patients:
        call_command("seed_synthetic", "--patients", str(args.patients - have), "--seed", "1")
        org = Organization.objects.get(slug="synthetic-network")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE patients_patient")
        cursor.execute("ANALYZE patients_patientnametoken")
    sample = Patient.objects.filter(organization=org).order_by("id")[args.patients // 2]
    queries = {
        "name prefix (2 tokens)": f"{sample.legal_first_name[:3]} {sample.legal_last_name[:4]}",
        "last-name prefix": sample.legal_last_name[:5],
        "name without its accent": "Pena",
        "date of birth": sample.date_of_birth.isoformat(),
        "phone (10 digits)": sample.phone,
        "MRN": sample.mrn,
    }
    rows = []
    for label, text in queries.items():

        def run(text: str = text) -> int:
            _query, qs = patient_search(organization=org, text=text)
            count = qs.count()
            list(qs[:25])
            return count

        matches = run()
        best_ms = min(timeit.repeat(run, number=1, repeat=args.repeat)) * 1000
        _q, qs = patient_search(organization=org, text=text)
        plan = qs[:25].explain()
        uses_index = "Index" in plan
        rows.append((label, text, matches, best_ms, uses_index))
        print(f"{label:<24} {text!r:<28} {matches:>6} matches {best_ms:7.2f} ms index={uses_index}")

    total = Patient.objects.filter(organization=org).count()
    lines = [
        "# Patient search benchmark",
        "",
        "Written by `bench/bench_patient_search.py` (PostgreSQL). Each figure is the best of "
        f"{args.repeat} runs of the first results page (COUNT plus 25 rows), "
        f"over **{total:,}** synthetic patients of one organization.",
        "",
        "| Query kind | Example | Matches | Time (ms) | Plan uses an index |",
        "|---|---|---:|---:|---|",
    ]
    lines += [
        f"| {label} | `{text}` | {matches} | {ms:.2f} | {'yes' if indexed else 'no'} |"
        for label, text, matches, ms, indexed in rows
    ]
    lines += [
        "",
        f"Machine: {os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f} while it "
        f"ran), Python {platform.python_version()}, "
        f"PostgreSQL {connection.pg_version // 10000}, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
    ]
    (ROOT / "bench" / "PATIENT_SEARCH.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
