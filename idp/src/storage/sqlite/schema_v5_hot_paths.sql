-- Indexes for what every sign-in does, so its cost does not grow with the provider's
-- history:
-- the replay-nonce purge (`DELETE … WHERE expires_at < now`, with every device-signed
-- request) reads only the expired rows instead of the whole table;
CREATE INDEX device_nonces_expiry ON device_nonces(expires_at);
-- a user's pending requests (the phone's list, superseding at a start, "a push is pending")
-- are found without reading every request the user ever had.
CREATE INDEX requests_user_state ON requests(user_id, state, created_at);
