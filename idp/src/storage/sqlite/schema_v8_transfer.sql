-- Version 8: moving to a new phone (issue 10). A transfer code is an activation code that
-- names the device the new phone replaces; the new device remembers it until its first
-- authenticated call, which revokes the old one.
ALTER TABLE activations ADD COLUMN replaces_device_id TEXT;
ALTER TABLE devices ADD COLUMN replaces_device_id TEXT;
CREATE INDEX activations_replaces ON activations(replaces_device_id)
    WHERE replaces_device_id IS NOT NULL;
