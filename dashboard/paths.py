"""Where the project's files live: the repository root, data/, assets/ and instance/."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT_DIR = PACKAGE_DIR.parent
DATA_DIR = ROOT_DIR / "data"
ASSETS_DIR = ROOT_DIR / "assets"
REFERENCE_DIR = DATA_DIR / "reference"
BOUNDARIES_DIR = DATA_DIR / "boundaries"
DEMO_DIR = DATA_DIR / "demo"
DEFAULT_INSTANCE_DIR = ROOT_DIR / "instance"
