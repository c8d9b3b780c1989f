import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Screenshots and other files a test run leaves for people to look at (never committed:
# test-artifacts/ is ignored). PORTAL_ARTIFACTS_DIR moves them; .ci/run gives each lane its own.
ARTIFACTS = Path(os.environ.get("PORTAL_ARTIFACTS_DIR") or ROOT / "test-artifacts") / "screenshots"
