// SwiftPM wants at least one source file in a C target. The real content of NyckelFFI is
// the uniffi-generated include/NyckelFFI.h + include/module.modulemap and libnyckel_ffi.
