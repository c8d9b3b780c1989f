"""gunicorn's settings, read from the working directory on every start (README, "Production").

Only the access log's redaction lives here: should someone turn the access log on
(--access-logfile), its lines carry no client address and no secret from a URL (apps.core.logs).
"""

from gunicorn.glogging import Logger

from apps.core.logs import redact_access_atoms


class RedactingGunicornLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        return redact_access_atoms(super().atoms(resp, req, environ, request_time))


logger_class = RedactingGunicornLogger
