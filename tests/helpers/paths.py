import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Screenshots and other files a test run leaves for people to look at.
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
