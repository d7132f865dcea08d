/*
 * crypt.h - the few cryptographic primitives the core needs (cursor
 * integrity, request ids in tests, wiping secrets), behind one header so
 * that OpenSSL stays out of the rest of core/.
 */
#ifndef GROWVRD_CRYPT_H
#define GROWVRD_CRYPT_H

#include <stdbool.h>
#include <stddef.h>

#define CRYPT_SHA256_LEN 32

/* crypt_hmac_sha256 - out = HMAC-SHA256(key, msg).  False on failure. */
bool crypt_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t msglen, unsigned char out[CRYPT_SHA256_LEN]);

/* crypt_sha256 - out = SHA-256(msg).  False on failure. */
bool crypt_sha256(const void *msg, size_t len,
    unsigned char out[CRYPT_SHA256_LEN]);

/* crypt_random - n bytes from the OS's CSPRNG.  False on failure. */
bool crypt_random(void *p, size_t n);

/* crypt_cleanse - wipe p[0..n) in a way the compiler keeps. */
void crypt_cleanse(void *p, size_t n);

#endif
