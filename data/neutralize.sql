-- A duplicated database must never sync with the production calendars.
UPDATE calendar_sync_account
   SET token_data = NULL,
       channel_secret = NULL,
       auth_flow_data = NULL,
       sync_cursor = NULL,
       cursor_window_start = NULL,
       cursor_window_end = NULL,
       channel_id = NULL,
       channel_resource_id = NULL,
       channel_expiration = NULL,
       state = CASE WHEN state IN ('draft', 'disconnected') THEN state ELSE 'paused' END;
DELETE FROM ir_config_parameter
 WHERE key IN ('calendar_cloud_sync.google_client_secret',
               'calendar_cloud_sync.microsoft_client_secret');
UPDATE res_company
   SET ccs_google_client_secret = NULL,
       ccs_microsoft_client_secret = NULL;
