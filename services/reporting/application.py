"""The reporting service layer.

:class:`ReportingApplication` is the eventsourcing Application that owns the
service's own event store ("reporting": SQLite file under the data directory,
or the ``reporting_*`` tables in PostgreSQL). It records no events yet.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import Application


class ReportingApplication(Application[UUID]):
    name = "reporting"
