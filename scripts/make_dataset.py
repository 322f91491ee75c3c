"""Regenerate microgpt/data/names.txt, the built-in dataset, from the PyPI package `names` 0.3.0 (MIT license).

That package ships the 1990 US Census first-name lists (dist.female.first, dist.male.first). We take every first name
from both lists, lower-case it, drop duplicates and write them sorted, one per line.

    python scripts/make_dataset.py            # downloads the sdist with pip (registry access needed once)
    python scripts/make_dataset.py SDIST      # or use a names-0.3.0.tar.gz you already have
"""

import pathlib
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = "names==0.3.0"
LISTS = ("names-0.3.0/names/dist.female.first", "names-0.3.0/names/dist.male.first")
OUT = pathlib.Path(__file__).resolve().parent.parent / "microgpt" / "data" / "names.txt"


def download(folder):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary=:all:", "-d", folder, PACKAGE],
                   check=True)
    return next(pathlib.Path(folder).glob("names-0.3.0.tar.gz"))


def first_names(sdist):
    found = set()
    with tarfile.open(sdist) as archive:
        for member in LISTS:
            for line in archive.extractfile(member).read().decode("ascii").splitlines():
                if line.strip():
                    found.add(line.split()[0].lower())
    return sorted(found)


def main(argv):
    with tempfile.TemporaryDirectory() as folder:
        sdist = pathlib.Path(argv[0]) if argv else download(folder)
        names = first_names(sdist)
    OUT.write_text("\n".join(names) + "\n", encoding="ascii")
    print(f"wrote {len(names)} names to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
