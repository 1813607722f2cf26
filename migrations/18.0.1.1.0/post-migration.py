"""From 18.0.1.0.0: the methods of the addon's own models lost their ``_ccs_`` prefix (the
jobs' ``_ccs_job_pull`` is ``_job_pull``), and each job links to its account.

Jobs already queued keep the name they were stored with, and the crons (noupdate) the code
they were created with: both are renamed here, so that nothing queued before the upgrade
fails after it. Jobs stored before have no link to their account (queue.job.ccs_account_id):
they are linked once, from the recordset queue_job serialized, so that Sync Health keeps
showing the failed jobs of an upgraded database."""

OWN_MODELS = ("calendar.sync.account", "calendar.sync.binding", "calendar.sync.conflict")


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE queue_job
           SET method_name = '_' || substr(method_name, 6)
         WHERE model_name IN %s AND method_name LIKE '\\_ccs\\_%%'
        """,
        [OWN_MODELS],
    )
    cr.execute(
        """
        UPDATE ir_act_server
           SET code = replace(code, 'model._ccs_cron_', 'model._cron_')
         WHERE code LIKE '%%model.\\_ccs\\_cron\\_%%'
        """
    )
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
