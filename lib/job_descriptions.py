"""What each sync job does, as the sentence queue_job shows in its list of jobs."""


def job_description(env, kind, **values):
    sentences = {
        "pull": env._("Bring the changes of %(account)s into Odoo"),
        "push": env._("Send Odoo's changes to %(account)s"),
        "watch": env._("Renew the push notifications of %(account)s"),
        "unwatch": env._("Stop the push notifications of %(account)s"),
        "disconnect": env._("Disconnect %(account)s: stop its notifications, revoke its access"),
        "resync": env._("Resync %(account)s from %(date_from)s to %(date_to)s"),
        "repair": env._("Repair the differences found with %(account)s"),
        "follow_meeting": env._("Fetch the online meeting link of “%(event)s”"),
        "mirror": env._("Mirror busy time: %(rule)s"),
        "mirror_cleanup": env._("Remove the busy blocks of deleted rules from %(calendar)s"),
    }
    return sentences[kind] % values
