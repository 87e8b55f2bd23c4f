-- Version 12: a request started in a browser the provider recognises (its `nyckel_known`
-- cookie, set at a sign-in completed in that browser, is the user's and still valid). Such a
-- request is kept like one from a recognised address when open requests are bounded
-- (`open_requests.rs`); 0 for every earlier request.
ALTER TABLE requests ADD COLUMN known_browser INTEGER NOT NULL DEFAULT 0;
