-- Version 11: a request may name a device it must never reach. The account page's lost-phone
-- step-up names the phone being reported lost: it gets no trigger, never lists the request
-- and cannot deny, report or approve it (NULL for every other request).
ALTER TABLE requests ADD COLUMN excluded_device TEXT;
