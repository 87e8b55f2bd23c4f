-- Version 6: recovery without the helpdesk (issue 10).
-- A disabled user cannot sign in by any method until enabled again (`nyckel-idp user disable`).
ALTER TABLE users ADD COLUMN disabled_at INTEGER;
-- Where an event came from, as the sign-in page saw it: the client's address, the application
-- and the approximate place ('' when the event has none, e.g. an administrator's command).
ALTER TABLE events ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN app TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN place TEXT NOT NULL DEFAULT '';
