-- Version 18: what a browser session needs to know, exactly, about the user's sign-in methods
-- at its start (src/step_up.rs, `Vouching`), written with the session instead of compared
-- by whole seconds afterwards. `devices_mark` is the largest rowid among the user's devices
-- then (0 for none): a device of the user with a rowid at most that was there (the user's
-- devices are deleted only with the user, so a later device's rowid is always larger).
-- `code_at_start` is 1 when the user's one-time code was confirmed then (it stays the same
-- code while the session lasts: removing it ends the user's sessions). `bootstrap` is 1 when
-- the user had no active phone and no confirmed code then. All three NULL: a session opened
-- before version 18, judged by its start's second as before.
ALTER TABLE sessions ADD COLUMN devices_mark INTEGER;
ALTER TABLE sessions ADD COLUMN code_at_start INTEGER;
ALTER TABLE sessions ADD COLUMN bootstrap INTEGER;
