-- Version 4: one-time codes (TOTP) as a sign-in method (issue 8).
-- A user's secret counts as a sign-in method only once confirmed with a code from the app.
ALTER TABLE users ADD COLUMN otp_confirmed_at INTEGER;
-- The newest time step whose code was accepted: each code is usable once.
ALTER TABLE users ADD COLUMN otp_last_step INTEGER;
-- Wrong codes, for the per-user limit (older than the window are forgotten).
CREATE TABLE otp_failures (
    user_id TEXT NOT NULL REFERENCES users(id),
    at INTEGER NOT NULL
);
CREATE INDEX otp_failures_by_user ON otp_failures(user_id, at);
-- 'otp' when a one-time code, not the phone's approval, completed a push request.
ALTER TABLE requests ADD COLUMN completed_by TEXT CHECK (completed_by IN ('otp'));
