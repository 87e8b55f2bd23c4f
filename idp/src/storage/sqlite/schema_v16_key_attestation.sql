-- Version 15 -> 16: whether a phone sign-in key was attested (docs/protocol.md §4.4). The
-- attestation format the provider verified when the key was registered ('android-key',
-- 'apple-appattest'); NULL where none was verified: keys registered before this version, or
-- by a provider that did not require attestation (it does not check one then).
ALTER TABLE credentials ADD COLUMN attestation TEXT;
