"""Jobs stored before 18.0.1.1.0 have no link to their account (queue.job.ccs_account_id):
link them once, from the recordset queue_job serialized, so that Sync Health keeps showing
the failed jobs of an upgraded database."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE queue_job job
           SET ccs_account_id = account.id
          FROM calendar_sync_account account
         WHERE job.model_name = 'calendar.sync.account'
           AND job.ccs_account_id IS NULL
           AND account.id = (
                CASE jsonb_typeof(job.records)
                    WHEN 'string' THEN (job.records #>> '{}')::jsonb
                    ELSE job.records
                END -> 'ids' ->> 0
               )::int
        """
    )
