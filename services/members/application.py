"""The members service layer.

:class:`MembersApplication` is the eventsourcing Application that owns the
service's own event store ("members": SQLite file under the data directory, or
the ``members_*`` tables in PostgreSQL). It records no events yet.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import Application


class MembersApplication(Application[UUID]):
    name = "members"
