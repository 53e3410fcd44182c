"""Collect the training photographs listed in shared/training/photos.tsv.

Installs the Debian packages that carry them (apt-get, needs root), copies
each listed file into Training/data/photos/ under its path below /usr/share with '/' -> '_', and
writes Training/data/photos/LICENSES.tsv (file, package, source path, tier,
license, note) so that every training image keeps its license line.

    python3 Training/collect_photos.py              # tiers A and B (default)
    python3 Training/collect_photos.py --tiers A    # tier A only
    python3 Training/collect_photos.py --no-install # only copy what is present
"""
from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TSV = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "training", "photos.tsv"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tsv", default=DEFAULT_TSV)
    ap.add_argument("--out", default=os.path.join(HERE, "data", "photos"))
    ap.add_argument("--tiers", default="A,B", help="comma-separated tiers to use (default A,B)")
    ap.add_argument("--no-install", action="store_true", help="do not run apt-get")
    args = ap.parse_args()

    tiers = set(t.strip() for t in args.tiers.split(","))
    with open(args.tsv, newline="") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if r["tier"] in tiers]
    pkgs = sorted({r["package"] for r in rows})
    missing = [r for r in rows if not os.path.isfile(r["path_in_package"])]
    if missing and not args.no_install:
        print("installing:", " ".join(pkgs), flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *pkgs], check=True, env=env)

    os.makedirs(args.out, exist_ok=True)
    lic_rows, n_missing = [], 0
    for r in rows:
        src = r["path_in_package"]
        name = src.removeprefix("/usr/share/").replace("/", "_")
        if not os.path.isfile(src):
            print("MISSING", src, file=sys.stderr)
            n_missing += 1
            continue
        shutil.copyfile(src, os.path.join(args.out, name))
        lic_rows.append([name, r["package"], src, r["tier"], r["license"], r["note"]])
    with open(os.path.join(args.out, "LICENSES.tsv"), "w", newline="") as f:
        w = csv.writer(f, delimiter="\t")
        w.writerow(["file", "package", "source_path", "tier", "license", "note"])
        w.writerows(lic_rows)
    print(f"copied {len(lic_rows)} photos (tiers {','.join(sorted(tiers))}) to {args.out}; missing {n_missing}")
    return 1 if n_missing else 0


if __name__ == "__main__":
    sys.exit(main())
