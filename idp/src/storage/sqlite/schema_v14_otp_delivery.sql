-- Version 14: whether an enrollment code carries the user's one-time-code secret
-- (`activations.carries_otp`) and whether a device's enrollment did (`devices.otp_delivered`).
-- A transfer code re-delivers the secret only to a device that got it that way (protocol.md
-- §4.10), never to a phone enrolled with a code that left it out (the account page's once the
-- code is confirmed); removing the secret clears both. Devices enrolled before: those that got
-- it with a transfer code while the user had one (a `device_transferred` event names them,
-- "OLD -> NEW", or the transfer is not yet confirmed); any other device keeps its own copy, in
-- its own exports, and is not sent it again.
ALTER TABLE activations ADD COLUMN carries_otp INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN otp_delivered INTEGER NOT NULL DEFAULT 0;
UPDATE devices SET otp_delivered = 1
 WHERE user_id IN (SELECT id FROM users WHERE otp_secret IS NOT NULL)
   AND (replaces_device_id IS NOT NULL
        OR EXISTS (SELECT 1 FROM events e
                    WHERE e.kind = 'device_transferred'
                      AND instr(e.detail, ' -> ') > 0
                      AND substr(e.detail, instr(e.detail, ' -> ') + 4) = devices.id));
