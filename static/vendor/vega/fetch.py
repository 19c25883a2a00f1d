"""Re-fetch the vendored Vega, Vega-Lite and vega-embed builds from npm, pinned by version and checked
against the registry's sha512 integrity recorded in versions.json (the one place the versions live).

    python static/vendor/vega/fetch.py          # re-download the pinned builds (needs npm)

To upgrade: change a version in versions.json, set its integrity to "" once, run this (it prints the new
integrity and stores it), check the charts in a browser (tests/test_browser_*.py) and commit the files.
The app concatenates the three files in the order listed (web/platform/assets.py): vega, then vega-lite,
then vega-embed, whose UMD builds find each other through the globals ``vega`` and ``vegaLite``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "versions.json"


def fetch(package: dict, folder: Path) -> dict:
    spec = f"{package['name']}@{package['version']}"
    out = subprocess.run(["npm", "pack", "--silent", spec], cwd=folder, check=True, capture_output=True, text=True)
    tarball = folder / out.stdout.strip().splitlines()[-1]
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if package["integrity"] and integrity != package["integrity"]:
        raise SystemExit(f"{spec}: integrity {integrity} differs from the pinned {package['integrity']}")
    with tarfile.open(tarball) as archive:
        for member, target in ((f"package/build/{package['file']}", package["file"]),
                               ("package/LICENSE", f"LICENSE-{package['name']}")):
            data = archive.extractfile(member).read()
            (HERE / target).write_bytes(data)
    data = (HERE / package["file"]).read_bytes()
    return {**package, "integrity": integrity, "sha256": hashlib.sha256(data).hexdigest()}


def main() -> int:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="vega-fetch-") as folder:
        manifest["packages"] = [fetch(p, Path(folder)) for p in manifest["packages"]]
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for p in manifest["packages"]:
        print(f"{p['name']}@{p['version']}: {p['file']} sha256 {p['sha256']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
