-- Version 9: the push notification budget against MFA fatigue (issue 11).
-- Per user: notifications sent since the last approval, when the last one was sent, when the
-- last request was created (notified or quiet), and until when a report muted notifications.
ALTER TABLE users ADD COLUMN push_unanswered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN push_sent_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN push_tried_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN pushes_muted_until INTEGER NOT NULL DEFAULT 0;
-- Per request: whether a notification was sent (earlier requests all were), and the source
-- address's counter key ('' for earlier requests), which password sign-ins' rate limit counts.
ALTER TABLE requests ADD COLUMN notified INTEGER NOT NULL DEFAULT 1;
ALTER TABLE requests ADD COLUMN source TEXT NOT NULL DEFAULT '';
