"""Odoo's own ``google_calendar`` / ``microsoft_calendar``: where each keeps its links and a
user's sync state, detected at runtime (neither module is a dependency). Used by the take-over
(models/calendar_sync_account_takeover.py), Preferences and Settings."""

from dataclasses import dataclass, field

INSTALLED_STATES = ("installed", "to upgrade")


@dataclass(frozen=True)
class NativeSync:
    """Where one of Odoo's own sync modules keeps its links and a user's sync state."""

    provider: str
    module: str
    label: str
    id_field: str  # on calendar.event and calendar.recurrence
    uid_field: str  # iCalUID, or "" when the module does not keep it
    pending_field: str  # "an Odoo change is not sent yet"
    token_fields: tuple  # on res.users: any of them set means connected
    stopped_field: str  # on res.users (related to res.users.settings)
    user_off: dict = field(default_factory=dict)  # written on res.users to switch it off
    settings_off: dict = field(default_factory=dict)  # written on res.users.settings

    def installed(self, env):
        if self.id_field not in env["calendar.event"]._fields:
            return False
        return bool(
            env["ir.module.module"]
            .sudo()
            .search_count([("name", "=", self.module), ("state", "in", INSTALLED_STATES)])
        )

    def active_users(self, env, users=None):
        """Users whose native sync is on: connected (a token) and not stopped."""
        domain = ["|"] * (len(self.token_fields) - 1)
        domain += [(name, "!=", False) for name in self.token_fields]
        if users is not None:
            domain = ["&", ("id", "in", users.ids), *domain]
        found = env["res.users"].sudo().with_context(active_test=False).search(domain)
        return found.filtered(lambda user: not user[self.stopped_field])

    def link(self, record, event, user):
        """A native link as ``_native_links`` lists it (``record``: event or series)."""
        ical_uid = record[self.uid_field] if self.uid_field else ""
        return (
            event,
            record[self.id_field],
            ical_uid,
            event.user_id == user,
            record[self.pending_field],
        )

    def switch_off(self, env, users):
        """Forget the native tokens and stop it: its after-commit calls check only a token."""
        users = users.sudo()
        if self.user_off:
            users.write(self.user_off)
        Settings = env["res.users.settings"].sudo()
        for user in users:
            Settings._find_or_create_for_user(user).write(self.settings_off)


NATIVE = {
    "google": NativeSync(
        provider="google",
        module="google_calendar",
        label="Google Calendar",
        id_field="google_id",
        uid_field="",
        pending_field="need_sync",
        token_fields=("google_calendar_rtoken",),
        stopped_field="google_synchronization_stopped",
        settings_off={
            "google_calendar_rtoken": False,
            "google_calendar_token": False,
            "google_calendar_token_validity": False,
            "google_calendar_sync_token": False,
            "google_synchronization_stopped": True,
        },
    ),
    "microsoft": NativeSync(
        provider="microsoft",
        module="microsoft_calendar",
        label="Outlook Calendar",
        id_field="microsoft_id",
        uid_field="ms_universal_event_id",
        pending_field="need_sync_m",
        token_fields=("microsoft_calendar_rtoken", "microsoft_calendar_token"),
        stopped_field="microsoft_synchronization_stopped",
        user_off={
            "microsoft_calendar_rtoken": False,
            "microsoft_calendar_token": False,
            "microsoft_calendar_token_validity": False,
        },
        settings_off={
            "microsoft_calendar_sync_token": False,
            "microsoft_synchronization_stopped": True,
        },
    ),
}


def installed_native(env, provider):
    """The provider's native sync when its module is installed, else None."""
    native = NATIVE.get(provider)
    return native if native and native.installed(env) else None


def native_warnings(env, user=None):
    """What to tell about the installed native syncs: to ``user`` in Preferences, or to the
    administrator in Settings (``user=None``)."""
    lines = []
    for native in NATIVE.values():
        if not native.installed(env):
            continue
        if user is None:
            count = len(native.active_users(env))
            lines.append(
                env._(
                    "Odoo's own %(label)s sync (module %(module)s) is installed; %(count)s "
                    "users still sync with it. Their %(label)s accounts here do not sync until "
                    "you take them over; then the module can be uninstalled.",
                    label=native.label,
                    module=native.module,
                    count=count,
                )
            )
        elif native.active_users(env, user):
            lines.append(
                env._(
                    "Odoo's own %(label)s sync is still on for you, so Calendar Cloud Sync does "
                    "not sync %(label)s: running both would send every change twice. An "
                    "administrator can take it over without duplicating anything.",
                    label=native.label,
                )
            )
        else:
            lines.append(
                env._(
                    "Odoo's own %(label)s sync is installed too. Do not turn it on as well: "
                    "both would send every change.",
                    label=native.label,
                )
            )
    return "\n".join(lines)
