// OpenSSL's libcrypto for the Linux test key protector (AES-256-GCM, RAND_bytes).
#include <openssl/evp.h>
#include <openssl/rand.h>
