"""The admin's shared pieces (core's admin layer, by sub-domain):

* ``site``: the MFA-gated admin site, and site-level pages other apps register;
* ``shared``: the admins and filters every app's admin builds on;
* ``subject``: what other apps add to a person's admin page;
* ``history``: the admin of a model simple-history tracks (its history pages read-only);
* ``visibility``: the field-level view rule, and the admin mixin that applies it;
* ``jobs``: the background jobs, for officers.

The names other apps use are re-exported here.
"""

from apps.core.admin.history import TrackedModelAdmin
from apps.core.admin.jobs import register_job_admin
from apps.core.admin.shared import (
    AccountFilter,
    AppendOnlyAdminMixin,
    CountryInUseFilter,
    HistoryRecordAdmin,
    NoDeleteAdminMixin,
    ObjectIdAdminMixin,
    ReadOnlyAdmin,
    account_filter,
    is_object_id,
)
from apps.core.admin.subject import (
    SubjectPanel,
    SubjectTool,
    register_subject_look,
    register_subject_panel,
    register_subject_tool,
    subject_looked_at,
    subject_panels,
    subject_tools,
)
from apps.core.admin.visibility import FieldViewRuleMixin, sees_people

__all__ = [
    "AccountFilter",
    "AppendOnlyAdminMixin",
    "CountryInUseFilter",
    "FieldViewRuleMixin",
    "HistoryRecordAdmin",
    "NoDeleteAdminMixin",
    "ObjectIdAdminMixin",
    "ReadOnlyAdmin",
    "SubjectPanel",
    "SubjectTool",
    "TrackedModelAdmin",
    "account_filter",
    "is_object_id",
    "register_job_admin",
    "register_subject_look",
    "register_subject_panel",
    "register_subject_tool",
    "sees_people",
    "subject_looked_at",
    "subject_panels",
    "subject_tools",
]
