"""From 18.0.1.1.0: a connection's calendars are records (calendar.sync.calendar). Each account
that syncs a calendar gets its row, two-way, so that the Preferences list shows it and the
other calendars of the connection can be added beside it (Refresh calendars) without
touching its cursor or bindings, which stay the account's."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        INSERT INTO calendar_sync_calendar
               (account_id, user_id, provider, remote_id, name, timezone, kind, access,
                is_default, mode, missing, create_uid, create_date, write_uid, write_date)
        SELECT account.id, account.user_id, account.provider, account.remote_calendar_id,
               COALESCE(NULLIF(account.remote_calendar_name, ''), account.remote_calendar_id),
               account.remote_calendar_tz, 'own', 'owner', false, 'two_way', false,
               1, now() at time zone 'UTC', 1, now() at time zone 'UTC'
          FROM calendar_sync_account account
         WHERE account.remote_calendar_id IS NOT NULL AND account.remote_calendar_id != ''
           AND NOT EXISTS (
                SELECT 1 FROM calendar_sync_calendar calendar
                 WHERE calendar.account_id = account.id
                   AND (calendar.remote_id = account.remote_calendar_id
                        OR calendar.mode = 'two_way')
               )
        """
    )
