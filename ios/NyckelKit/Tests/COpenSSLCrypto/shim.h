// OpenSSL's libcrypto for the Linux test key protector (AES-256-GCM, RAND_bytes) and the
// Linux test device-key store (EC P-256 keys, ECDSA/SHA-256 DER signatures via EVP).
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
