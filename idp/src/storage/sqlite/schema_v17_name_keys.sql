-- Version 17: user names match case-insensitively (src/user_name.rs). `users.name` stays as
-- the administrator typed it (shown); `users.name_key` is the name trimmed, lower-cased by
-- Unicode's rules and in NFC, unique. SQLite cannot compute that key (its lower() knows only
-- ASCII): the migration step in pool.rs fills it after this script, oldest user first. A user
-- whose key an older user already holds keeps NULL (any number of NULLs pass the unique
-- index): they sign in only with their name exactly as it was typed, the admin CLI warns
-- about them, and they get the key when the older user is deleted. The password guessing
-- counters per name (both contexts, `password_name` and `password_familiar`) move to the key
-- in the same step.
ALTER TABLE users ADD COLUMN name_key TEXT;
CREATE UNIQUE INDEX users_name_key ON users(name_key);
