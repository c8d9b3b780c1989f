"""Settings of the reference service app (apps/service_data), read by config/settings/base.py.

Kept apart so the base settings stay readable; each is set through the environment.
"""

import environ

env = environ.Env()

# Customers' uploads (apps/service_data, content): the largest file of each kind. Files above
# FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file while they arrive, never into memory;
# DATA_UPLOAD_MAX_MEMORY_SIZE counts form fields only, not files, so it does not cap these.
CONTENT_UPLOAD_MAX_BYTES = {
    "document": env.int("CONTENT_MAX_DOCUMENT_BYTES", default=50 * 1024 * 1024),
    "image": env.int("CONTENT_MAX_IMAGE_BYTES", default=20 * 1024 * 1024),
    "voice_clip": env.int("CONTENT_MAX_VOICE_CLIP_BYTES", default=25 * 1024 * 1024),
    "video": env.int("CONTENT_MAX_VIDEO_BYTES", default=2 * 1024 * 1024 * 1024),
}

# --- apps/service_data: Google Calendar import (P-02, P-09) ---
# events.list is read from here; tests point it at a local server answering as Google does.
GOOGLE_CALENDAR_API_URL = env("GOOGLE_CALENDAR_API_URL", default="https://www.googleapis.com/calendar/v3")
