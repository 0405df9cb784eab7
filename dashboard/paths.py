"""Where the project's files live: the repository root, data/, assets/ and instance/; a file's digest."""

from __future__ import annotations

import hashlib
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT_DIR = PACKAGE_DIR.parent
DATA_DIR = ROOT_DIR / "data"
ASSETS_DIR = ROOT_DIR / "assets"
REFERENCE_DIR = DATA_DIR / "reference"
BOUNDARIES_DIR = DATA_DIR / "boundaries"
DEMO_DIR = DATA_DIR / "demo"
DEFAULT_INSTANCE_DIR = ROOT_DIR / "instance"


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file at ``path`` (hex), read a megabyte at a time (the backup's and the
    archive's manifests)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
