"""Django's PostgreSQL backend with a connection health check that costs no round trip (#16).

Django checks a persistent connection at the first use of each request (CONN_HEALTH_CHECKS)
by sending `SELECT 1`: one round trip, and a statement for PostgreSQL to run, on every page
view and API call. An idle connection receives nothing from the server, so if its socket has
nothing to read, the server has not closed it; when the server does close it (a restart, a
terminated backend, an idle timeout) it sends its FATAL message and closes the socket, which
makes the socket readable. So: nothing to read means usable, no statement sent; anything to
read (or a connection that met an error) gets Django's own `SELECT 1` check. A connection the
server closed is still replaced before the request uses it, as with the plain check, and the
request that follows a database restart is served, not answered 503.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        raw = self.connection
        if raw is None or raw.closed:
            return False
        if self.errors_occurred:
            return super().is_usable()
        # poll, not select: select() cannot watch a descriptor numbered 1024 or above.
        watch = select.poll()
        try:
            watch.register(raw.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
            readable = watch.poll(0)
        except (OSError, ValueError):
            return False
        return not readable or super().is_usable()
