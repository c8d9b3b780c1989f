"""Vietnamese dates on customer pages: "05/12/2026" and "20:18, 05/12/2026" (one format everywhere)."""

DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "H:i, d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "H:i, d/m/Y"
TIME_FORMAT = "H:i"
