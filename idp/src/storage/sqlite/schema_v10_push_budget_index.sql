-- Version 10: the push budget's count of a user's notifications in the last hour (run under
-- the write lock before every new request) reads only this partial index, at most the
-- hourly limit's entries, instead of every request of the user's last hour.
CREATE INDEX requests_notified ON requests(user_id, created_at) WHERE notified;
