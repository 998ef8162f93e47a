#!/usr/bin/env python3
"""Load and validate an OSCAL catalog with compliance-trestle, for BENCHMARKS.md (b).

This is the reference side of "import and validate NIST's OSCAL catalog": trestle parses the
JSON and validates it against its pydantic model of the OSCAL catalog (trestle.oscal.catalog.
Catalog), which is the same work `gapcheck catalog import` does before it writes anything.
Prints the number of controls and enhancements so both sides can be checked to agree.

Usage: python benches/trestle_load.py CATALOG.json
(install with `pip install compliance-trestle` in a virtual environment)
"""

import pathlib
import sys

from trestle.oscal.catalog import Catalog


def count(controls):
    n = 0
    for c in controls or []:
        n += 1 + count(c.controls)
    return n


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    catalog = Catalog.oscal_read(pathlib.Path(sys.argv[1]))
    if catalog is None:
        sys.exit(f"{sys.argv[1]}: not an OSCAL catalog")
    total = count(catalog.controls) + sum(count(g.controls) for g in catalog.groups or [])
    print(f"{total} controls: {catalog.metadata.title}")


if __name__ == "__main__":
    main()
