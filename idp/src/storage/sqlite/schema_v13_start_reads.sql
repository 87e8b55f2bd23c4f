-- Version 13: an index for a sign-in start's first read, which runs under the write lock: a
-- user's devices (the start's targets, the account page's list) were found by reading every
-- credential of every user, so each start cost more the more users the provider had.
CREATE INDEX devices_user ON devices(user_id);
